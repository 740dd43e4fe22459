"""Access rows of the follow-up (issue 12): the inbox, a referral and its moves, the
projectleider's overview, sending from a finding, the owner view.

Each project has two partner organisations (A: UWV and Belastingdienst; B: Belastingdienst and
UWV) and referrals to both (tests/controls/followup_world.py): the UWV behandelaar of project
A sees the referrals to UWV and never the one to the Belastingdienst, nor any of project B.
"""

from __future__ import annotations

from tests.access_matrix import (
    SETUP_HOOKS,
    Row,
    everyone,
    kwargs_builder,
    leader_only,
    object_kwargs,
    only,
    pseudonymised,
)
from tests.controls.followup_world import matrix_followup_setup

SETUP_HOOKS.append(matrix_followup_setup)

for _key in ("referral", "referral_started", "referral_elsewhere", "finding"):
    object_kwargs(_key)


@kwargs_builder("owner_unknown")
def _owner_unknown(mp) -> dict:
    """An owner pseudonym that owns nothing here (the owner view of the matrix is empty)."""
    return {"slug": mp.project.slug, "owner": "f" * 64}


@kwargs_builder("reveal_unknown")
def _reveal_unknown(mp) -> dict:
    return {"slug": mp.project.slug, "pk": 987654}


HANDLER = "behandelaar"
# Who sends from a finding: the projectleider and the inspecteur of the visit's team.
SENDERS = ("projectleider", "inspecteur")
OUTCOME = {"outcome": "terugvordering", "amount": "1250,00", "reason": ""}


def _refer_data(mp) -> dict:
    return {
        "organisation": mp.extra["second_organisation"].pk,
        "kind": "handhaving",
        "unit": "",
        "note": "Vermoeden van toeslagfraude",
    }


ROWS: list[Row] = [
    # The behandelaar's inbox across their projects (404 for who handles referrals nowhere).
    Row("controls:inbox", only(200, HANDLER), other=None, kwargs="none"),
    # The projectleider's overview per partner and state.
    Row("controls:referrals", leader_only(200)),
    # A referral: its organisation's behandelaars and the projectleider, nobody else.
    Row(
        "controls:referral",
        only(200, "projectleider", HANDLER),
        kwargs="referral",
        personal_data=True,
    ),
    Row("controls:referral", leader_only(200), kwargs="referral_elsewhere", personal_data=True),
    Row("controls:referral", everyone(404), kwargs="referral@twin"),
    Row("controls:referral", everyone(404), kwargs="referral_elsewhere@twin"),
    # The behandelaar's moves: POST only, 404 for everyone else (also the projectleider).
    Row("controls:referral-receive", only(302, HANDLER), method="post", kwargs="referral"),
    Row("controls:referral-receive", only(405, HANDLER), kwargs="referral"),
    Row("controls:referral-receive", everyone(404), method="post", kwargs="referral_elsewhere"),
    Row("controls:referral-receive", everyone(404), method="post", kwargs="referral@twin"),
    Row("controls:referral-start", only(302, HANDLER), method="post", kwargs="referral"),
    Row("controls:referral-start", everyone(404), method="post", kwargs="referral_elsewhere"),
    Row(
        "controls:referral-return",
        only(302, HANDLER),
        method="post",
        kwargs="referral",
        data={"reason": "Hoort bij de gemeente"},
    ),
    Row(
        "controls:referral-return",
        everyone(404),
        method="post",
        kwargs="referral_elsewhere",
        data={"reason": "Hoort bij de gemeente"},
    ),
    Row(
        "controls:referral-complete",
        only(302, HANDLER),
        method="post",
        kwargs="referral_started",
        data=OUTCOME,
    ),
    Row(
        "controls:referral-complete",
        only(400, HANDLER),  # no amount: the error beside the field
        method="post",
        kwargs="referral_started",
        data={"outcome": "boete", "amount": ""},
    ),
    Row(
        "controls:referral-complete",
        everyone(404),
        method="post",
        kwargs="referral_started@twin",
        data=OUTCOME,
    ),
    # Sending from a finding: the projectleider and the inspecteur of the visit's team.
    Row("controls:finding-refer", only(200, *SENDERS), kwargs="finding", personal_data=True),
    Row(
        "controls:finding-refer",
        only(302, *SENDERS),
        method="post",
        kwargs="finding",
        data=_refer_data,
    ),
    Row("controls:finding-refer", everyone(404), kwargs="finding@twin"),
    Row(
        "controls:finding-refer",
        everyone(404),
        method="post",
        kwargs="finding@twin",
        data=_refer_data,
    ),
]

ROWS += [
    # The owner view: pseudonyms and finding categories (VIEW_PSEUDONYMISED); its actions are
    # POST only and answer 404 for an owner or request that is not the project's. The full
    # flow (four eyes, the logged showing, the RIEC signal) is tests/controls/test_owners.py.
    Row("controls:owners", pseudonymised(200), personal_data=True),
    Row(
        "controls:owner-reveal-request",
        everyone(404),
        method="post",
        kwargs="owner_unknown",
        data={"reason": "RIEC"},
    ),
    Row("controls:owner-reveal-request", pseudonymised(405), kwargs="owner_unknown"),
    Row(
        "controls:owner-reveal-decide",
        everyone(404),
        method="post",
        kwargs="reveal_unknown",
        data={"decision": "approve", "decision_reason": "Akkoord"},
    ),
    Row("controls:owner-reveal-decide", leader_only(405), kwargs="reveal_unknown"),
    Row("controls:owner-signal", everyone(404), method="post", kwargs="owner_unknown"),
    Row("controls:owner-signal", leader_only(405), kwargs="owner_unknown"),
]

# R21: the referral's page shows one address, the finding's page one; one record each.
SUBJECT_ROWS = {
    "controls:referral": lambda mp: [mp.extra["referral"].finding.visit.address_key],
    "controls:finding-refer": lambda mp: [mp.extra["finding"].visit.address_key],
}
