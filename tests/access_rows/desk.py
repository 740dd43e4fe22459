"""Matrix rows of the desk pages of issue 9 (items 1, 2, 6) and issue 11 item 7: the page of a
re-identification (post/redirect/get), the selection record of an approved address, and the
confirmation steps of 'Selectie sluiten' and 'Intrekken'."""

from __future__ import annotations

from tests.access_matrix import (
    SETUP_HOOKS,
    MatrixProject,
    Row,
    everyone,
    leader_only,
    object_kwargs,
)


def _reidentification_setup(mp: MatrixProject) -> None:
    """The projectleider re-identified the approved address (its page is theirs, one shift)."""
    from datasharing.matching import services

    reidentification, _address = services.reidentification_create(
        actor=mp.extra["cast"]["projectleider"],
        proposal=mp.extra["approved"],
        reason="Planning controleavond",
    )
    mp.extra["reidentification"] = reidentification


SETUP_HOOKS.append(_reidentification_setup)
object_kwargs("reidentification")

ROWS = [
    # Only who re-identified sees the address again (each time logged); the inspecteur, who may
    # re-identify too, needs a reason of their own: 404.
    Row(
        "matching:reidentification",
        leader_only(200),
        kwargs="reidentification",
        personal_data=True,
    ),
    Row("matching:reidentification", everyone(404), kwargs="reidentification@twin"),
    # The selection record ("why this address?"): the projectleider, approved proposals only.
    Row("matching:proposal-record", leader_only(200), kwargs="approved", personal_data=True),
    Row("matching:proposal-record", everyone(404), kwargs="proposed"),
    Row("matching:proposal-record", everyone(404), kwargs="approved@twin"),
    # The confirmed POSTs of the confirmation pages.
    Row("matching:selection-close", leader_only(302), method="post", data={"confirm": "1"}),
    Row(
        "datasharing:request-withdraw",
        leader_only(302),
        method="post",
        kwargs="open_request",
        data={"confirm": "1", "reason": "Niet meer nodig"},
    ),
]

# One record per page view, for the one address it shows (R21).
SUBJECT_ROWS = {
    "matching:reidentification": lambda mp: [mp.extra["reidentification"].address_key],
    "matching:proposal-record": lambda mp: [mp.extra["approved"].address_key],
}
