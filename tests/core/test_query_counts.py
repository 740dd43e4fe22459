"""Every page and list: an exact number of queries, each named, that does not grow with the
rows shown (style rule 24; issue 10, item 8).

PAGES holds, per page, the queries one request makes, in order: each entry is a fragment that
must appear in that query's SQL and what the query is for (they are the numbered comments; a
mismatch prints them numbered beside the SQL). Every page is requested on the access matrix's
world (tests/access_setup.py), once as built and once after `grow` has added partners,
convenants, roles, a plan version, data requests, report lines, runs and an approval: the same
queries both times. A page of the access matrix without an entry here fails the cross-check.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from tests import access_matrix as matrix
from tests.access_setup import world_build, world_transaction

pytestmark = pytest.mark.django_db

Spec = list[tuple[str, str]]

# Every request: who is asking (security R1) ...
SIGNED_IN: Spec = [
    ('FROM "django_session"', "the session"),
    ('"partners_user"', "the signed-in person"),
    ('"otp_totp_totpdevice"', "their verified second factor"),
]
# ... and, on a project's page, the project and every permission on it, resolved once
# (projects.views.base.ProjectScopedMixin → projects.selectors.project_perms_for_user).
PROJECT: Spec = [
    ('"projects_project"', "the project of the slug, with municipality, voorstel and DPIA"),
    ('"guardian_userobjectpermission"', "the person's permissions, while taking part"),
    ('"partners_convenant"', "their organisation's convenant (personal-data permissions)"),
]
# The same rule once more where a selector scopes by the person: every permission on the
# project (data requests, deliveries: project_perms_for_user) ...
SCOPED: Spec = [
    ('"guardian_userobjectpermission"', "the selector's own permission check"),
    ('"partners_convenant"', "and its convenant check"),
]
# ... or the one permission it needs (user_has_project_perm: one query).
CHECKED: Spec = [
    (
        '"guardian_userobjectpermission"',
        "the selector's own check of one permission (participation, convenant in the same query)",
    ),
]
HEADER: Spec = [('"partners_organisation"', "the person's organisation (page header)")]
# One LDV record per request that shows personal data (R21): a savepoint around the
# hash-chained append.
LOGGED: Spec = [
    ("SAVEPOINT", "savepoint for the processing log"),
    ('"partners_organisation"', "the actor's organisation (log record)"),
    ("pg_advisory_xact_lock", "the log chain's lock"),
    ('"core_processinglogentry"', "the chain's last record"),
    ('INSERT INTO "core_processinglogentry"', "the processing-log record"),
    ("RELEASE SAVEPOINT", "release"),
]
SESSION_SAVED: Spec = [
    ("SAVEPOINT", "savepoint for the session"),
    ('UPDATE "django_session"', "the session's new expiry"),
    ("RELEASE SAVEPOINT", "release"),
]
DELIVERY: Spec = [
    ('"datasharing_delivery"', "the delivery with project, organisation, request, uploader"),
    *SCOPED,
]

# (url name, role, KWARGS key) → the queries of one GET.
PAGES: dict[tuple[str, str, str], Spec] = {
    ("projects:list", "projectleider", "none"): [
        *SIGNED_IN,
        *HEADER,
        ('"projects_project"', "the person's projects (permission and participation joined)"),
        *SESSION_SAVED,
    ],
    ("projects:start", "projectleider", "none"): [
        *SIGNED_IN,
        ('"projects_projectrole"', "the person's roles in the projects they may see"),
        ('"projects_project"', "their projects (the projectleider's start section)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("projects:create", "projectleider", "none"): [*SIGNED_IN, *HEADER, *SESSION_SAVED],
    ("projects:detail", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"datasharing_delivery"', "next gate (registered by datasharing): accepted BAG"),
        ('"partners_convenant"', "partners overview: valid convenants"),
        ('"projects_projectpartner"', "active partners with their organisations"),
        ('"projects_projectplanversion"', "plan versions"),
        ('"projects_planacknowledgement"', "their acknowledgements (prefetch)"),
        ('"projects_collegebesluit"', "documents: collegebesluiten"),
        ('"projects_projectplanversion"', "documents: plan versions"),
        ('"partners_convenant"', "documents: the partners' convenants"),
        ('"projects_collegebesluit"', "Besluiten card: latest collegebesluit"),
        *HEADER,
        ('"projects_projectrole"', "active roles with people and organisations"),
        ('"projects_phasetransition"', "phase transitions with actors"),
        *SESSION_SAVED,
    ],
    **{
        (name, "projectleider", "project"): [*SIGNED_IN, *PROJECT, *extra, *HEADER, *SESSION_SAVED]
        for name, extra in (
            ("projects:update", []),
            ("projects:collegebesluit", []),
            ("projects:voorstel", []),
            ("projects:plan_create", [('"projects_projectplanversion"', "latest version")]),
            ("projects:dpia", []),
        )
    },
    ("projects:plan_detail", "projectleider", "plan"): [
        *SIGNED_IN,
        *PROJECT,
        ('"projects_projectplanversion"', "the plan version"),
        *HEADER,
        ('"partners_user"', "who adopted it"),
        *SESSION_SAVED,
    ],
    ("projects:document", "projectleider", "document"): [
        *SIGNED_IN,
        *PROJECT,
        ('"projects_collegebesluit"', "the document's row"),
        *SESSION_SAVED,
    ],
    ("projects:project_partners", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"partners_convenant"', "valid convenants"),
        ('"projects_projectpartner"', "active partners with their organisations"),
        ('"partners_organisation"', "organisations that may still join (form)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("projects:convenant_create", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"partners_organisation"', "the partner organisations (form)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("projects:project_roles", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *HEADER,
        ('"projects_projectrole"', "every role with person, organisation, granted by"),
        ("DECLARE", "candidates for a role: active people of the partners (form, iterated)"),
        *SESSION_SAVED,
    ],
    ("datasharing:request-list", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *SCOPED,
        ('"datasharing_datarequest"', "data requests with organisation and delivery count"),
        ('"datasharing_delivery"', "their deliveries (prefetch)"),
        ('"partners_convenant"', "blockers: convenants valid today"),
        ('"projects_projectpartner"', "blockers: another partner takes part"),
        ('"projects_collegebesluit"', "blockers: latest collegebesluit"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("datasharing:request-create", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"projects_projectpartner"', "partner options: organisations taking part"),
        ('"partners_convenant"', "partner options: with a valid convenant"),
        ('"partners_convenant"', "blockers: convenants valid today"),
        ('"projects_projectpartner"', "blockers: another partner takes part"),
        ('"projects_collegebesluit"', "blockers: latest collegebesluit"),
        ('"partners_organisation"', "the partner options (form)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    **{
        ("datasharing:delivery-upload", role, key): [
            *SIGNED_IN,
            *PROJECT,
            *CHECKED,
            ('"datasharing_datarequest"', "the request, addressed to the person's organisation"),
            *HEADER,
            *SESSION_SAVED,
        ]
        for role, key in (("projectleider", "request"), ("partner_analist", "partner_request"))
    },
    ("datasharing:project-panel", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *CHECKED,
        ('"datasharing_destructionrecord"', "destruction records (50 at most)"),
        *SESSION_SAVED,
    ],
    **{
        ("datasharing:delivery-detail", "projectleider", key): [
            *SIGNED_IN,
            *DELIVERY,
            ('"datasharing_deliveryissue"', "the report's file-level lines"),
            ('"datasharing_deliveryissue"', "its row lines counted per severity, column, reason"),
            ('"datasharing_deliveryissue"', "the first examples of each group (window)"),
            *LOGGED,  # one record per row shown, in one insert
            *SESSION_SAVED,
        ]
        for key in ("delivery", "partner_delivery")
    },
    **{
        ("datasharing:delivery-progress", "projectleider", key): [
            *SIGNED_IN,
            *DELIVERY,
            *SESSION_SAVED,
        ]
        for key in ("delivery", "partner_delivery")
    },
    **{
        ("datasharing:delivery-report-csv", "projectleider", key): [
            *SIGNED_IN,
            *DELIVERY,
            ('"datasharing_deliveryissue"', "the distinct rows the report names"),
            *LOGGED,  # one record per row, in one insert
            ("DECLARE", "every report line, through a server-side cursor"),
            *SESSION_SAVED,
        ]
        for key in ("delivery", "partner_delivery")
    },
    ("matching:runs", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_matchingrun"', "count of runs (paginator)"),
        ('"matching_matchingrun"', "a page of runs with who started them"),
        *HEADER,
        ('"matching_matchingrun"', "the active run, if any"),
        *SESSION_SAVED,
    ],
    ("matching:run-status", "projectleider", "run"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_matchingrun"', "the run"),
        *SESSION_SAVED,
    ],
    ("matching:risks", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_matchingrun"', "the current run"),
        ('"matching_riskaddress"', "count of risk addresses (paginator)"),
        ('"matching_riskaddress"', "a page of risk addresses"),
        *LOGGED,
        ('"matching_selectionproposal"', "the proposals of the addresses shown"),
        ('"datasharing_objection"', "objections and corrections of the addresses shown"),
        ('"datasharing_delivery"', "accepted deliveries the run did not use (newer data)"),
        *SESSION_SAVED,
    ],
    ("matching:risk", "projectleider", "risk"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_matchingrun"', "the current run"),
        ('"matching_riskaddress"', "the risk address"),
        ('"matching_selectionproposal"', "its proposal, if any"),
        *LOGGED,
        *SESSION_SAVED,
    ],
    ("matching:proposals", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_selectionproposal"', "count of the decided proposals (paginator)"),
        ('"matching_selectionproposal"', "the open proposals with address, run and people"),
        ('"matching_selectionproposal"', "a page of the decided ones, the same joins"),
        ('"matching_selectionclosure"', "whether the selection is closed"),
        *LOGGED,
        *SESSION_SAVED,
    ],
    ("matching:selection", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_selectionproposal"', "the approved addresses"),
        *LOGGED,
        ('"matching_selectionclosure"', "whether the selection is closed"),
        *SESSION_SAVED,
    ],
    ("matching:reidentify", "projectleider", "approved"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_selectionproposal"', "the approved proposal"),
        *LOGGED,  # the pseudonym the form names (the header's organisation loaded with it)
        ('"matching_reidentification"', "the person's own re-identifications of this shift"),
        *SESSION_SAVED,
    ],
    ("matching:method", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_indicatorsettingsrecord"', "the project's indicator settings"),
        ('"matching_matchingrun"', "the current run"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("matching:settings", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_indicatorsettingsrecord"', "the project's indicator settings"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("health", "projectleider", "none"): [*SIGNED_IN, *SESSION_SAVED],
    ("service-worker", "projectleider", "none"): [*SIGNED_IN, *SESSION_SAVED],
    **{
        (name, "projectleider", "none"): [*SIGNED_IN, *HEADER, *SESSION_SAVED]
        for name in ("privacy", "accessibility", "contact")
    },
    ("api-schema", "projectleider", "none"): [*SIGNED_IN, *SESSION_SAVED],
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The access matrix's projects A and B, once per module (rolled back after)."""
    with world_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = world_build(matrix.SETUP_HOOKS)
        yield built


def grow(world) -> None:
    """More of every kind of row the pages list, added through the services."""
    from datasharing.matching import services as matching
    from datasharing.models import DeliveryIssue
    from datasharing.services import data_request_create
    from projects import services
    from tests.factories import ConvenantFactory, OrganisationFactory, UserFactory

    mp, cast = world.own, world.own.extra["cast"]
    leader, analist = cast["projectleider"], cast["analist"]
    project = mp.project
    for n in range(2):
        organisation = OrganisationFactory(name=f"Groei {n}", kind="svb")
        ConvenantFactory(organisation=organisation)
        services.project_partner_add(actor=leader, project=project, organisation=organisation)
        person = UserFactory(username=f"groei{n}", organisation=organisation)
        services.role_grant(actor=leader, project=project, person=person, role="behandelaar")
    services.projectplan_version_create(
        actor=leader,
        project=project,
        goals="Doelen 2",
        approach="Aanpak",
        indicators_rationale="Indicatoren",
        data_per_partner="BAG",
        planning="Q4",
        communication="Brief",
        retention="4 weken",
    )
    for source in ("energie", "huur"):
        data_request_create(
            actor=leader,
            project=project,
            organisation=cast["municipality"],
            source=source,
            legal_ground="Art. 64 Wet SUWI",
            deadline=timezone.localdate() + timedelta(days=30),
        )
    for delivery in (mp.extra["delivery"], mp.extra["partner_delivery"]):
        DeliveryIssue.objects.bulk_create(
            DeliveryIssue(delivery=delivery, row_number=n, column="x", reason="extra regel")
            for n in range(2, 12)
        )
    for _ in range(2):
        run = matching.matching_run_create(actor=analist, project=project, chunk_count=1)
        matching.matching_run_cancel(actor=analist, run=run)
    # The open proposal is approved: one more row on the selection page. (The risk address
    # the risk page shows stays unproposed: its state, not a row count, decides that page.)
    matching.selection_approve(actor=leader, proposal=mp.extra["proposed"], reason="Akkoord")
    for hook in FEATURE_GROW_HOOKS:
        hook(world)


def _collect_feature_pages() -> list:
    """Merge the PAGES of every module of tests/query_pages/ and return their `grow` hooks.

    One module per feature (controls, referrals, reports, …) keeps parallel work from
    colliding in one dict; a module may import the specs above (SIGNED_IN, PROJECT, …) from
    here and define `grow(world)` to add rows of its own in `grow` below.
    """
    import importlib
    import pkgutil

    from tests import query_pages

    hooks = []
    for info in sorted(pkgutil.iter_modules(query_pages.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"tests.query_pages.{info.name}")
        PAGES.update(getattr(module, "PAGES", {}))
        if hasattr(module, "grow"):
            hooks.append(module.grow)
    return hooks


FEATURE_GROW_HOOKS = _collect_feature_pages()


def _measure(world, client, page):
    name, role, key = page
    url = reverse(name, kwargs=matrix.KWARGS[key](world.own))
    if name.startswith("api:"):  # the REST API: the token of the role's client account
        from tests.api.world import bearer

        client.cookies.clear()  # a partner system sends its token, no session cookie
        client.defaults.update(bearer(world.own.extra["api"][role][1]))
    else:
        client.defaults.pop("HTTP_AUTHORIZATION", None)
        world.log_in(client, world.people[role])
    client.get(url)  # warm-up: content types and the session's first save
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (page, response.status_code)
    return [query["sql"] for query in context.captured_queries]


def _mismatch(page, spec: Spec, queries: list[str], label: str) -> str | None:
    fits = len(queries) == len(spec) and all(
        fragment in sql for (fragment, _), sql in zip(spec, queries, strict=True)
    )
    if fits:
        return None
    lines = [f"{page} ({label}): expected {len(spec)} queries, {len(queries)} were done"]
    for number in range(max(len(spec), len(queries))):
        expected = spec[number] if number < len(spec) else ("—", "")
        done = queries[number][:110] if number < len(queries) else "—"
        lines.append(f"  {number + 1:>2}. {expected[1]} [{expected[0]}]\n      {done}")
    return "\n".join(lines)


def test_every_page_makes_its_named_queries_however_many_rows(world, client):
    before = {page: _measure(world, client, page) for page in PAGES}
    grow(world)
    after = {page: _measure(world, client, page) for page in PAGES}
    problems = [
        problem
        for page, spec in PAGES.items()
        for label, queries in (("as built", before[page]), ("with more rows", after[page]))
        if (problem := _mismatch(page, spec, queries, label))
    ]
    assert not problems, "\n\n".join(problems)


def test_every_page_of_the_access_matrix_has_its_query_count():
    pages = {
        row.name
        for row in matrix.ROWS
        if row.method == "get" and 200 in row.own.values() and not row.name.endswith("*")
    }
    assert pages - {name for name, _, _ in PAGES} == set()
