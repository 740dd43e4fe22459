"""Query counts of the planner's pages (controls.views.planning); `grow` adds a team, a
member, the newly approved address routed on the evening, a category and a finding."""

from __future__ import annotations

from tests.core.test_query_counts import HEADER, PROJECT, SESSION_SAVED, SIGNED_IN, Spec

# One LDV record per address a planner page shows (R21), as tests/core/test_query_counts.py's
# LOGGED, whose organisation query also serves the page header afterwards.
LOGGED: Spec = [
    ("SAVEPOINT", "savepoint for the processing log"),
    ('"partners_organisation"', "the actor's organisation (log record; the header reuses it)"),
    ("pg_advisory_xact_lock", "the log chain's lock"),
    ('"core_processinglogentry"', "the chain's last record"),
    ('INSERT INTO "core_processinglogentry"', "one record per address shown"),
    ("RELEASE SAVEPOINT", "release"),
]
EVENING: Spec = [('"controls_controleavond"', "the evening, scoped to the person")]
VISITS: Spec = [('"controls_visit"', "the evening's visits the person may see, in route order")]
TEAMS: Spec = [
    ('"controls_team"', "the evening's teams"),
    ('"controls_teammember"', "their members with person and organisation (prefetch)"),
]

PAGES: dict[tuple[str, str, str], Spec] = {
    ("controls:evenings", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_controleavond"', "the evenings with their team and visit counts"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("controls:evening-create", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *HEADER,
        *SESSION_SAVED,
    ],
    ("controls:evening", "projectleider", "evening"): [
        *SIGNED_IN,
        *PROJECT,
        *EVENING,
        *VISITS,
        *LOGGED,
        *TEAMS,
        *TEAMS,  # the voorbereid gate's own read of the teams (evening_ready_problems)
        ('"controls_visit"', "the gate: visits and those without a route, counted at once"),
        ('"projects_projectpartner"', "inspectors who may join: organisations taking part"),
        ('"partners_convenant"', "inspectors who may join: with a valid convenant"),
        ('"partners_user"', "inspectors who may join: their active inspecteur roles"),
        *SESSION_SAVED,
    ],
    ("controls:evening", "inspecteur", "evening"): [
        *SIGNED_IN,
        *PROJECT,
        *EVENING,
        *VISITS,
        *LOGGED,
        *TEAMS,
        *SESSION_SAVED,
    ],
    ("controls:evening-update", "projectleider", "evening"): [
        *SIGNED_IN,
        *PROJECT,
        *EVENING,
        *HEADER,
        *SESSION_SAVED,
    ],
    ("controls:evening-addresses", "projectleider", "evening"): [
        *SIGNED_IN,
        *PROJECT,
        *EVENING,
        ('"matching_selectionproposal"', "approved addresses not on this evening yet"),
        ('"controls_team"', "the evening's teams (form)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("controls:visit", "projectleider", "visit"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_visit"', "the visit with its evening, team and proposal"),
        *LOGGED,
        ('"datasharing_projectkey"', "the vault: the project's key is not destroyed"),
        ('"datasharing_addressvaultentry"', "the vault entry of the address"),
        ('"datasharing_projectkey"', "the key of its version"),
        ('"controls_finding"', "the visit's findings with category and recorder"),
        ('"controls_referral"', "follow-up: the findings' referrals with their outcomes"),
        ('"controls_referral_bundled_findings"', "follow-up: the findings each bundles"),
        ('"datasharing_objection"', "objections and corrections of the address"),
        *SESSION_SAVED,
    ],
    ("controls:categories", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ("SAVEPOINT", "savepoint: the default categories, when missing"),
        ('"controls_findingcategory"', "the codes the project has (none missing: no insert)"),
        ("RELEASE SAVEPOINT", "release"),
        ('"controls_findingcategory"', "the categories with their number of findings"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("controls:category", "projectleider", "category"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_findingcategory"', "the category of the project"),
        *HEADER,
        *SESSION_SAVED,
    ],
}


def grow(world) -> None:
    import uuid

    from controls.models import FindingCategory
    from controls.services import evenings as services
    from controls.services.categories import finding_category_create
    from controls.services.recording import finding_record
    from datasharing.matching.models import SelectionProposal
    from projects.constants import Role
    from tests.factories import member

    mp = world.own
    leader = mp.extra["cast"]["projectleider"]
    evening = mp.extra["evening"]
    team = services.team_create(actor=leader, evening=evening, name="Team 2")
    person = member(mp.project, "inspecteur_groei", mp.extra["cast"]["partner"], Role.INSPECTEUR)
    services.team_member_add(actor=leader, team=team, person=person, is_lead=True)
    newly = SelectionProposal.objects.filter(project=mp.project, status="approved").exclude(
        visits__evening=evening
    )
    services.visits_assign(actor=leader, evening=evening, proposals=list(newly))
    services.evening_routes_plan(actor=leader, evening=evening)
    finding_category_create(
        actor=leader, project=mp.project, label="Groei", referral_kind="handhaving"
    )
    evening = services.evening_transition(actor=leader, evening=evening, target="voorbereid")
    finding_record(
        actor=leader,
        visit=mp.extra["visit"],
        category=FindingCategory.objects.filter(project=mp.project).first(),
        description="Groei",
        client_id=uuid.uuid4(),
    )
    services.evening_transition(actor=leader, evening=evening, target="gepland")
