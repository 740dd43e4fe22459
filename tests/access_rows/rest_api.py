"""Access-matrix rows of the REST API v1 (issue 14) and its documentation page.

Each API row is requested with the token of the client account that holds the row's role in
project A (tests/api/world.py): the same rules as the pages, through the same selectors. Not
found and not allowed are both 404, never 403; without a token (or with only a session) 401.
"""

from tests.access_matrix import KWARGS, SETUP_HOOKS, Row, everyone, object_kwargs, only
from tests.api.world import api_setup

# After tests/access_rows/controls_followup.py (module order): its referrals are there.
SETUP_HOOKS.append(api_setup)
object_kwargs("api_visit")

for _kind in ("bevindingen", "doorverwijzingen", "voortgang"):
    KWARGS[f"api_export_{_kind}"] = lambda mp, kind=_kind: {
        "slug": mp.project.slug,
        "kind": kind,
        "fmt": "csv",
    }
KWARGS["api_export_unknown"] = lambda mp: {"slug": mp.project.slug, "kind": "x", "fmt": "csv"}
# The evening pages' rule: the projectleider sees every visit, an inspector those of their team.
VISITS = ("projectleider", "inspecteur")

OUTCOME = {"outcome": "geen_overtreding", "reason": "", "status": "afgehandeld", "id": 999}


def _api(name: str, *args, **kwargs) -> Row:
    return Row(f"api:{name}", *args, auth="token", **kwargs)


ROWS: list[Row] = [
    # the documentation page (a verified session, like the schema)
    Row("api-docs", everyone(200), other=None, kwargs="none"),
    # --- projects ---
    _api("project-list", everyone(200), other=None, kwargs="none"),
    _api("project-detail", everyone(200)),
    # --- evenings, visits, findings (controls.selectors.evenings) ---
    _api("evening-list", only(200, *VISITS), personal_data=True),
    _api("visit-list", only(200, *VISITS), personal_data=True),
    _api("visit-detail", only(200, *VISITS), kwargs="api_visit", personal_data=True),
    _api("visit-detail", everyone(404), kwargs="api_visit@twin"),
    _api("finding-list", only(200, *VISITS), personal_data=True),
    # --- progress (the dashboard's figures; the adviser's suppressed) and exports ---
    # A leverancier delivers and does nothing else (design.md): no figures either.
    _api("progress", {**everyone(200), "leverancier": 404, "leverancier_bd": 404}),
    _api(
        "export",
        only(200, "projectleider"),
        kwargs="api_export_bevindingen",
        personal_data=True,
    ),
    _api(
        "export",
        only(200, "projectleider", "behandelaar"),
        kwargs="api_export_doorverwijzingen",
        personal_data=True,
    ),
    _api(
        "export",
        {**everyone(200), "adviseur": 404, "leverancier": 404, "leverancier_bd": 404},
        kwargs="api_export_voortgang",
    ),
    _api("export", everyone(404), kwargs="api_export_unknown"),
    # --- referrals: the projectleider (all of the project) and the behandelaars of the
    # organisation they are addressed to (theirs), as on the pages ---
    _api("referral-list", only(200, "projectleider", "behandelaar"), personal_data=True),
    _api(
        "referral-detail",
        only(200, "projectleider", "behandelaar"),
        kwargs="referral",
        personal_data=True,
    ),
    # Addressed to the second partner organisation: UWV's behandelaar does not see it.
    _api("referral-detail", only(200, "projectleider"), kwargs="referral_elsewhere"),
    _api("referral-detail", everyone(404), kwargs="referral@twin"),
    # The one write: the behandelaar's client (scope read+referral-outcome) records the
    # outcome, of a referral still verzonden (received and started on the way) or in
    # behandeling; the projectleider may see but not handle it: 404, like the rest.
    *(
        _api("referral-outcome", only(200, "behandelaar"), method="post", kwargs=key, data=OUTCOME)
        for key in ("referral", "referral_started")
    ),
    _api("referral-outcome", only(405, "behandelaar"), kwargs="referral"),
    *(
        _api("referral-outcome", everyone(404), method="post", kwargs=key, data=OUTCOME)
        for key in ("referral_elsewhere", "referral@twin")
    ),
]

# One LDV record per address the answer shows (R21): the referral's visit.
SUBJECT_ROWS = {
    "api:visit-list": lambda mp: [mp.extra["visit"].address_key],
    "api:visit-detail": lambda mp: [mp.extra["visit"].address_key],
    "api:finding-list": lambda mp: [mp.extra["visit"].address_key],
    "api:referral-list": lambda mp: [mp.extra["visit"].address_key],
    "api:referral-detail": lambda mp: [mp.extra["visit"].address_key],
}
