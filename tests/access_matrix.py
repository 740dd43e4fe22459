"""The access matrix (security R1, R2, R5): who gets what status on which URL, data-driven.

How to add your URLs
--------------------
1. Add one `Row` per URL name (and method) to `ROWS`: the expected status per role on the
   project the role belongs to (`own`), and `other` for what every role gets on a project it
   has no role in (404 for anything project-scoped; never 403). Use `None` for `other` when
   the URL is not about one project (the list, the login page).
2. If the URL needs more than the project slug, register a kwargs builder with
   `@kwargs_builder("name")`: it gets the `MatrixProject` (project plus the objects made for
   it by `SETUP_HOOKS`) and returns the URL kwargs. Add a setup hook if your objects are not
   there yet: `SETUP_HOOKS.append(fn)`, `fn(mp: MatrixProject) -> None` filling `mp.extra`.
   `object_kwargs("key")` registers "key" (the object's pk, plus the slug when the route has
   one) and "key@twin" (this project's slug with the *other* project's object: IDOR probe).
3. A REST API row (`auth="token"`) is requested with the token of the role's client account
   (tests/api/world.py) instead of a session; its outsiders are project B's projectleider's
   client (404), no token (401) and a password-only session without a token (401).
4. tests/core/test_access_matrix.py walks `django.urls.get_resolver()`: a URL pattern without
   a row fails, except the names in the namespaces listed in `PENDING_NAMESPACES`
   (engineers are building them now; move them out of PENDING once rows exist).

The people (tests/access_setup.py, the cast of tests/conftest.py) each hold one role in project
A; project B is someone else's. Project A has two delivering partners: `partner_analist` is an
analist of UWV, who uploads UWV's signals; `leverancier` is UWV's leverancier and
`leverancier_bd` the Belastingdienst's, who uploads its toeslagen — so every object-level case
is tried across partners, both ways (issue 8 item 4). `superuser` (superuser status) and `staff`
(a functional administrator: staff with the admin's permissions) work for project A's
municipality and hold no role anywhere: on every project-scoped row they get 404 — derived in
`Row`, not written per row (style rule 16: superuser or staff status is never project data
access) — and the admin is theirs alone. The hooks run once per test module
(tests/access_setup.world_build); each cell runs in a savepoint that is rolled back, so POST rows
may change state.

For every project-scoped row (`other` is not None) the OUTSIDERS are checked as well: a member of
the other project (404), an anonymous visitor (to the login page) and a password-only session
without its second factor (to the OTP step).

A row that finds a real access bug keeps the *right* expectation and names the wrong cells in
`xfail` (role -> reason): those cells are xfail(strict=True), so the suite stays green, the bug
stays visible, and fixing it turns the cell into a failure until the mark is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from tests.access_setup import MatrixProject

ROLES = (
    "projectleider",
    "analist",
    "inspecteur",
    "behandelaar",
    "adviseur",
    "partner_analist",
    "leverancier",
    "leverancier_bd",
    "privacy_officer",
    "superuser",
    "staff",
)
# Superuser and staff status without a role (see the module docstring): 404 on every
# project-scoped row, whatever the row's dict says.
ADMIN_ROLES = ("superuser", "staff")
# Checked on every project-scoped row, with the status derived from the rule, not per row.
OUTSIDERS = ("other_project_member", "anonymous", "password_only")

# Reachable without login (security R1 allowlist). Static files are not URL patterns here.
# `enrolment-link`: the enrolment link as issued; it only keeps its token's hash in the session
# and redirects to `enrolment` (which needs the password), so it shows and reads nothing.
# `service-worker`: the tablet's service worker script (/sw.js), code only, no data.
# privacy, accessibility, contact: the footer pages (issue 9 item 8). Anyone, also a resident
# without an account, must be able to read who runs the application, what it does with
# personal data, how accessible it is and where to turn; they show no project data.
# `transparency:public`: a project's public page (issue 15 item 1), for residents without an
# account; 404 until its projectleider publishes it, and no personal data when published.
PUBLIC = frozenset(
    {
        "login",
        "health",
        "enrolment-link",
        "service-worker",
        "privacy",
        "accessibility",
        "contact",
        "transparency:public",
    }
)
# Reachable with a password login that still lacks its second factor (security R8):
# `otp-verify` the code (for who has a device); `otp-enrolment-needed` the one page of who has
# none (ask for an enrolment link); `enrolment` the set-up through an opened link, only for the
# person it was issued to (the link is the out-of-band factor, R8); `logout`, so that a
# password-only session can end. The old self-service set-up (`otp-setup`) is gone.
OTP_STEP = frozenset({"otp-verify", "otp-enrolment-needed", "enrolment", "logout"})
# Namespaces whose rows are still being written by other engineers (see the module docstring).
PENDING_NAMESPACES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Row:
    name: str  # "namespace:name", or "namespace:*" to cover every pattern of a namespace
    own: dict[str, int]  # role -> expected status on the project the person belongs to
    other: int | None = 404  # every role, on project B; None: the URL is not project-scoped
    method: str = "get"
    kwargs: str = "project"  # key into KWARGS
    data: dict | Callable[[MatrixProject], dict] | None = None  # a callable gets the project
    url_name: str | None = None  # the concrete URL to request for a "namespace:*" row
    personal_data: bool = False  # needs a personal-data permission: R5 rows repeat it
    xfail: dict[str, str] = field(default_factory=dict)  # role -> known access bug (see above)
    # "session": a person's verified session; "token": the REST API v1 (issue 14), where each
    # role is a client account holding that role, sending its token (tests/api/world.py).
    auth: str = "session"

    def __post_init__(self) -> None:
        if self.other is not None:  # project-scoped: no role, so never in (rule 16)
            object.__setattr__(self, "own", {**self.own, **dict.fromkeys(ADMIN_ROLES, 404)})


KWARGS: dict[str, Callable[[MatrixProject], dict]] = {}
SETUP_HOOKS: list[Callable[[MatrixProject], None]] = []


def kwargs_builder(name: str):
    def register(function):
        KWARGS[name] = function
        return function

    return register


def object_kwargs(key: str, *, slug: bool = True) -> None:
    """Register "key" and "key@twin" for the object `mp.extra[key]` (see the module docstring)."""

    def own(mp: MatrixProject) -> dict:
        return (
            {"slug": mp.project.slug, "pk": mp.extra[key].pk} if slug else {"pk": mp.extra[key].pk}
        )

    def twin(mp: MatrixProject) -> dict:
        return {"slug": mp.project.slug, "pk": mp.extra["twin"].extra[key].pk}

    KWARGS[key] = own
    if slug:
        KWARGS[f"{key}@twin"] = twin


def row_data(row: Row, mp: MatrixProject) -> dict:
    return row.data(mp) if callable(row.data) else (row.data or {})


@kwargs_builder("none")
def _no_kwargs(mp: MatrixProject) -> dict:
    return {}


@kwargs_builder("enrolment_token")
def _enrolment_token_kwargs(mp: MatrixProject) -> dict:
    return {"token": "onbekend-" + "x" * 34}


@kwargs_builder("project")
def _project_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug}


@kwargs_builder("plan")
def _plan_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "version": mp.extra["plan"].version}


@kwargs_builder("document")
def _document_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "kind": "collegebesluit", "pk": mp.extra["besluit"].pk}


@kwargs_builder("partner")
def _partner_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "pk": mp.extra["partner"].pk}


@kwargs_builder("role")
def _role_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "pk": mp.extra["role"].pk}


def _projects_setup(mp: MatrixProject) -> None:
    """A collegebesluit (with document), an adopted plan v1, a partner and a role to point at."""
    from projects.constants import Phase
    from projects.models import ProjectRole
    from tests.factories import project_to_phase

    project = project_to_phase(mp.project, Phase.PARTNERS)
    mp.project = project
    mp.extra["besluit"] = project.collegebesluiten.get()
    mp.extra["plan"] = project.plan_versions.get()
    mp.extra["partner"] = (
        project.partners.exclude(organisation=project.municipality).order_by("pk").first()
    )
    mp.extra["role"] = ProjectRole.objects.active().filter(project=project).order_by("pk").first()


def _datasharing_setup(mp: MatrixProject) -> None:
    """Into data_uitvraag; requests, accepted deliveries, a matching run, proposals."""
    from tests.access_setup import intake_and_matching

    intake_and_matching(mp)


SETUP_HOOKS.append(_projects_setup)
SETUP_HOOKS.append(_datasharing_setup)

for _key in (
    "request",
    "partner_request",
    "partner_b_request",
    "open_request",
    "run",
    "risk",
    "approved",
    "proposed",
):
    object_kwargs(_key)
for _key in ("delivery", "partner_delivery", "partner_b_delivery"):
    object_kwargs(_key, slug=False)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(status: int, *roles: str) -> dict[str, int]:
    """`status` for the named roles, 404 for every other role."""
    assert set(roles) <= set(ROLES), roles
    return {role: (status if role in roles else 404) for role in ROLES}


def leader_only(status: int) -> dict[str, int]:
    """The projectleider gets `status`; every other role 404 (not theirs to manage)."""
    return only(status, "projectleider")


# view_pseudonymised (and run_matching): the projectleider and the analists, among whom the
# delivering partner's analist (design.md "Access"); not the leveranciers.
PSEUDONYMISED = ("projectleider", "analist", "partner_analist")
# deliver_data: the data requests page, each person its own organisation's requests.
DELIVERERS = (*PSEUDONYMISED, "leverancier", "leverancier_bd")
# Who sees a delivery and its report (datasharing.selectors, issue 8 item 4): the projectleider,
# the municipal analists and the delivering organisation's deliverers and analists.
MUNICIPAL = ("projectleider", "analist")
DELIVERY_SEEN_BY = {
    "delivery": MUNICIPAL,  # the municipality's own BAG delivery
    "partner_delivery": (*MUNICIPAL, "partner_analist", "leverancier"),  # UWV's signals
    "partner_b_delivery": (*MUNICIPAL, "leverancier_bd"),  # the Belastingdienst's toeslagen
}
# view_addresses: re-identified addresses for who plans or visits them.
ADDRESSES = ("projectleider", "inspecteur")


def pseudonymised(status: int) -> dict[str, int]:
    return only(status, *PSEUDONYMISED)


# --- POST bodies ---


def _request_create_data(mp: MatrixProject) -> dict:
    from django.utils import timezone

    return {
        "organisation": mp.extra["cast"]["partner"].pk,
        "source": "uitkering",
        "legal_ground": "Art. 64 Wet SUWI; LSI-convenant",
        "requested_columns": "",
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }


def _bag_upload_data(mp: MatrixProject) -> dict:
    from tests.datasharing.conftest import bag_csv, csv_file

    return {"file": csv_file(bag_csv(5), "bag.csv")}


def _toeslag_upload_data(mp: MatrixProject) -> dict:
    from tests.datasharing.conftest import csv_file

    text = "bsn;toeslag;toeslagpartner_bsn\r\n111222333;huurtoeslag;\r\n"
    return {"file": csv_file(text, "toeslag.csv")}


def _signal_upload_data(mp: MatrixProject) -> dict:
    from tests.datasharing.conftest import csv_file

    text = "postcode;huisnummer;huisletter;huisnummertoevoeging;signaal;datum\r\n"
    text += "5912DP;137;;;vermoeden onderverhuur;2026-03-01\r\n"
    return {"file": csv_file(text, "signalen.csv")}


def _settings_data(mp: MatrixProject) -> dict:
    from datasharing.matching import services
    from datasharing.matching.indicators.registry import ALL_CODES

    current = services.indicator_settings_for(project=mp.project)
    data = {name: getattr(current, name) for name in services.SETTING_FIELDS}
    for code in ALL_CODES:
        data[f"weight_{code.value}"] = current.weight(code)
        if code.value in current.enabled:
            data[f"enabled_{code.value}"] = "on"
    return data


ROWS: list[Row] = [
    # --- projects ---
    Row("projects:start", everyone(200), other=None, kwargs="none"),
    Row("projects:list", everyone(200), other=None, kwargs="none"),
    Row(
        "projects:create",
        # Municipality staff only (projects.views.project._can_create_project); not UWV's analist.
        # Superuser and staff work for the municipality: they may start a project of their own
        # (and become its projectleider), which shows them nothing of any other project; so
        # may the municipality's privacy officer.
        only(200, "projectleider", "analist", "privacy_officer", "superuser", "staff"),
        other=None,
        kwargs="none",
    ),
    Row("projects:detail", everyone(200)),
    Row("projects:update", leader_only(200)),
    Row("projects:advance", leader_only(302), method="post"),
    Row("projects:advance", leader_only(405), method="get"),
    Row("projects:collegebesluit", leader_only(200)),
    Row("projects:voorstel", leader_only(200)),
    Row("projects:plan_create", leader_only(200)),
    Row("projects:plan_detail", everyone(200), kwargs="plan"),
    Row("projects:plan_adopt", leader_only(302), method="post", kwargs="plan"),
    Row("projects:plan_acknowledge", everyone(302), method="post", kwargs="plan"),
    Row("projects:dpia", leader_only(200)),
    Row("projects:document", everyone(200), kwargs="document"),
    # --- partners ---
    Row("projects:project_partners", leader_only(200)),
    Row("projects:partner_remove", leader_only(302), method="post", kwargs="partner"),
    Row("projects:partner_remove", leader_only(405), method="get", kwargs="partner"),
    Row("projects:convenant_create", leader_only(200)),
    Row("projects:project_roles", leader_only(200)),
    Row("projects:role_end", leader_only(302), method="post", kwargs="role"),
    # --- datasharing: data requests (deliver_data; creating and withdrawing: the projectleider) ---
    # Each deliverer sees the requests to their own organisation only (tests/datasharing/
    # test_partner_scoping.py checks the list's content); the municipality's people see all.
    Row("datasharing:request-list", only(200, *DELIVERERS), personal_data=True),
    Row("datasharing:request-create", leader_only(200)),
    Row("datasharing:request-create", leader_only(302), method="post", data=_request_create_data),
    Row("datasharing:request-withdraw", leader_only(302), method="post", kwargs="open_request"),
    # GET: the confirmation page that says what withdrawing means (issue 9 item 6).
    Row("datasharing:request-withdraw", leader_only(200), kwargs="open_request"),
    Row(
        "datasharing:request-withdraw",
        everyone(404),
        method="post",
        kwargs="open_request@twin",
    ),
    # --- datasharing: upload, only by the organisation the request is addressed to ---
    Row(
        "datasharing:delivery-upload",
        only(200, "projectleider", "analist"),  # the municipality's people
        kwargs="request",
        personal_data=True,
    ),
    Row(
        "datasharing:delivery-upload",
        only(302, "projectleider", "analist"),
        method="post",
        kwargs="request",
        data=_bag_upload_data,
    ),
    Row(
        "datasharing:delivery-upload",
        # UWV's analist and leverancier; not the municipality, not UWV's others, not the
        # Belastingdienst's leverancier.
        only(200, "partner_analist", "leverancier"),
        kwargs="partner_request",
        personal_data=True,
    ),
    Row(
        "datasharing:delivery-upload",
        only(302, "partner_analist", "leverancier"),
        method="post",
        kwargs="partner_request",
        data=_signal_upload_data,
    ),
    Row(
        "datasharing:delivery-upload",
        only(200, "leverancier_bd"),  # the Belastingdienst's request: its leverancier only
        kwargs="partner_b_request",
        personal_data=True,
    ),
    Row(
        "datasharing:delivery-upload",
        only(302, "leverancier_bd"),
        method="post",
        kwargs="partner_b_request",
        data=_toeslag_upload_data,
    ),
    Row("datasharing:delivery-upload", everyone(404), kwargs="request@twin"),
    Row("datasharing:delivery-upload", everyone(404), kwargs="partner_request@twin"),
    Row("datasharing:delivery-upload", everyone(404), kwargs="partner_b_request@twin"),
    # --- datasharing: the project panel (destruction records, no personal data) ---
    Row("datasharing:project-panel", everyone(200)),
    # --- datasharing: deliveries and their validation reports (issue 3 item 5, issue 8 item 4):
    # the projectleider, the municipal analists and the delivering organisation's own people;
    # each delivery is tried by both partners (IDOR across partners, both ways).
    *(
        Row(name, only(200, *seen_by), kwargs=key, personal_data=True)
        for name in (
            "datasharing:delivery-detail",
            "datasharing:delivery-progress",
            "datasharing:delivery-report-csv",
        )
        for key, seen_by in DELIVERY_SEEN_BY.items()
    ),
    # --- matching: runs (view_pseudonymised; starting and cancelling: run_matching) ---
    Row("matching:runs", pseudonymised(200), personal_data=True),
    Row("matching:runs", pseudonymised(302), method="post"),
    Row("matching:run-status", pseudonymised(200), kwargs="run", personal_data=True),
    Row("matching:run-status", everyone(404), kwargs="run@twin"),
    Row("matching:run-cancel", pseudonymised(302), method="post", kwargs="run"),
    Row("matching:run-cancel", pseudonymised(405), method="get", kwargs="run"),
    Row("matching:run-cancel", everyone(404), method="post", kwargs="run@twin"),
    # --- matching: the pseudonymised risk list and proposing (propose_selection) ---
    Row("matching:risks", pseudonymised(200), personal_data=True),
    Row("matching:risk", pseudonymised(200), kwargs="risk", personal_data=True),
    Row(
        "matching:risk",
        # The projectleider sees the address but may not propose: the form says so (400).
        {**pseudonymised(302), "projectleider": 400},
        method="post",
        kwargs="risk",
        data={"reason": "Signalen van twee partners"},
    ),
    Row("matching:risk", everyone(404), kwargs="risk@twin"),
    # --- matching: proposals and the four-eyes decision (approve_selection) ---
    Row("matching:proposals", pseudonymised(200), personal_data=True),
    Row(
        "matching:proposal-decide",
        # Analists see the proposal but may not decide: the form says so (400).
        {**pseudonymised(400), "projectleider": 302},
        method="post",
        kwargs="proposed",
        data={"decision": "approve", "decision_reason": "Akkoord"},
    ),
    Row("matching:proposal-decide", pseudonymised(405), method="get", kwargs="proposed"),
    Row(
        "matching:proposal-decide",
        everyone(404),
        method="post",
        kwargs="proposed@twin",
        data={"decision": "approve", "decision_reason": "Akkoord"},
    ),
    # --- matching: the approved selection and re-identification (view_addresses, R20) ---
    Row("matching:selection", only(200, *ADDRESSES), personal_data=True),
    Row("matching:selection-close", leader_only(302), method="post"),
    # GET: the confirmation page that says what closing means (issue 9 item 6).
    Row("matching:selection-close", leader_only(200)),
    Row("matching:reidentify", only(200, *ADDRESSES), kwargs="approved", personal_data=True),
    Row(
        "matching:reidentify",
        only(302, *ADDRESSES),  # post/redirect/get: to the re-identification's own page
        method="post",
        kwargs="approved",
        data={"reason": "Planning controleavond"},
    ),
    Row(
        "matching:reidentify",
        everyone(404),  # only approved addresses are re-identified
        kwargs="proposed",
    ),
    Row(
        "matching:reidentify",
        everyone(404),
        method="post",
        kwargs="proposed",
        data={"reason": "Planning controleavond"},
    ),
    Row("matching:reidentify", everyone(404), kwargs="approved@twin"),
    Row(
        "matching:reidentify",
        everyone(404),
        method="post",
        kwargs="approved@twin",
        data={"reason": "Planning controleavond"},
    ),
    # --- matching: the method page (project members) and the settings (the projectleider) ---
    Row("matching:method", everyone(200)),
    Row("matching:settings", leader_only(200)),
    Row("matching:settings", leader_only(302), method="post", data=_settings_data),
    # --- login, second factor, logout, health, API schema (a verified session) ---
    Row("login", everyone(302), other=None, kwargs="none"),
    Row("otp-verify", everyone(302), other=None, kwargs="none"),
    Row("otp-enrolment-needed", everyone(302), other=None, kwargs="none"),  # verified: home
    Row("enrolment-link", everyone(302), other=None, kwargs="enrolment_token"),
    # No enrolment link opened in a verified session: refused like an unknown link.
    Row("enrolment", everyone(404), other=None, kwargs="none"),
    Row("enrolment", everyone(404), other=None, method="post", kwargs="none"),
    Row("logout", everyone(405), other=None, kwargs="none"),
    Row("health", everyone(200), other=None, kwargs="none"),
    Row("service-worker", everyone(200), other=None, kwargs="none"),
    Row("privacy", everyone(200), other=None, kwargs="none"),
    Row("accessibility", everyone(200), other=None, kwargs="none"),
    Row("contact", everyone(200), other=None, kwargs="none"),
    Row("api-schema", everyone(200), other=None, kwargs="none"),
    # --- admin: functional administrators only (is_staff); no project role is staff ---
    Row(
        "admin:*",
        {**everyone(302), "superuser": 200, "staff": 200},
        other=None,
        kwargs="none",
        url_name="admin:index",
    ),
]

# --- security R21 spot check: requests that return k data subjects write exactly k records ---
# `row name -> (role, the address keys the response shows)`; checked in
# test_access_matrix.py::test_rows_returning_data_subjects_log_one_record_per_subject.
# Re-identification (one subject) is asserted exactly elsewhere and not repeated here:
# tests/matching/test_selection.py::test_reidentification_only_approved_and_logged_once (count == 1)
# and tests/matching/test_views.py::test_propose_decide_reidentify_through_the_pages.
SUBJECT_ROWS: dict[str, Callable[[MatrixProject], list[str]]] = {
    "matching:risks": lambda mp: list(mp.extra["risk_keys"]),
    "matching:risk": lambda mp: [mp.extra["risk"].address_key],
}
# Subject rows that are known not to log (row name -> reason); their cells are xfail(strict=True).
SUBJECT_ROWS_XFAIL: dict[str, str] = {}


def _delivery_rows_shown(key: str, *, examples: bool):
    """The delivery rows a delivery's page (its first examples per group) or its CSV (every
    row the report names) shows: its data subjects, "delivery pk:row" (datasharing.views)."""

    def subjects(mp: MatrixProject) -> list[str]:
        from datasharing.models import DeliveryIssue

        delivery = mp.extra[key]
        issues = DeliveryIssue.objects.filter(delivery=delivery, row_number__isnull=False)
        rows: list[int] = []
        if examples:
            groups: dict[tuple[str, str, str], list[int]] = {}
            for issue in issues.order_by("row_number", "id"):
                group = groups.setdefault((issue.severity, issue.column, issue.reason), [])
                if len(group) < 3:
                    group.append(issue.row_number)
            rows = [n for group in groups.values() for n in group]
        else:
            rows = sorted(set(issues.values_list("row_number", flat=True)))
        return list(dict.fromkeys(f"{delivery.pk}:{n}" for n in rows))

    return subjects


for _key in DELIVERY_SEEN_BY:
    SUBJECT_ROWS[f"datasharing:delivery-detail@{_key}"] = _delivery_rows_shown(_key, examples=True)
    SUBJECT_ROWS[f"datasharing:delivery-report-csv@{_key}"] = _delivery_rows_shown(
        _key, examples=False
    )

# Personal-data rows (they need a personal-data permission) whose answer names no data subject:
# row name -> why. Their records, if any, carry no subject.
NO_SUBJECT_ROWS: dict[str, str] = {}


def subjects_shown(row: Row, mp: MatrixProject, *, role: str = "", person=None) -> list[str] | None:
    """The data subjects `row`'s answer shows on `mp` to `role` (None: the row declares
    nothing). Keys are tried most specific first: "name@kwargs#role", "name#role",
    "name@kwargs", "name"; a builder marked `wants_person` also gets who asks."""
    for key in (
        f"{row.name}@{row.kwargs}#{role}",
        f"{row.name}#{role}",
        f"{row.name}@{row.kwargs}",
        row.name,
    ):
        subjects = SUBJECT_ROWS.get(key)
        if subjects is not None:
            if getattr(subjects, "wants_person", False):
                return subjects(mp, person=person)  # type: ignore[call-arg]
            return subjects(mp)
    return [] if shows_no_subject(row) else None


def shows_no_subject(row: Row) -> bool:
    return row.name in NO_SUBJECT_ROWS or f"{row.name}@{row.kwargs}" in NO_SUBJECT_ROWS


def _collect_feature_rows() -> None:
    """Append the ROWS (and SUBJECT_ROWS) of every module of tests/access_rows/."""
    import importlib
    import pkgutil

    from tests import access_rows

    for info in sorted(pkgutil.iter_modules(access_rows.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"tests.access_rows.{info.name}")
        ROWS.extend(getattr(module, "ROWS", []))
        SUBJECT_ROWS.update(getattr(module, "SUBJECT_ROWS", {}))
        SUBJECT_ROWS_XFAIL.update(getattr(module, "SUBJECT_ROWS_XFAIL", {}))
        NO_SUBJECT_ROWS.update(getattr(module, "NO_SUBJECT_ROWS", {}))


_collect_feature_rows()
