"""Query counts of the REST API v1 (issue 14): each endpoint's queries, named, the same with
more rows (`grow`). Requested with the role's client token (tests/api/world.py): no session,
no second factor; the client's account and organisation come with its token (one query), and
the processing log needs no query for the actor's organisation."""

from tests.core.test_query_counts import SESSION_SAVED, SIGNED_IN, Spec

TOKEN: Spec = [('"partners_apiclient"', "the token's client with its account and organisation")]
PROJECT: Spec = [
    ('"projects_project"', "the project of the slug"),
    ('"guardian_userobjectpermission"', "the client account's permissions, while taking part"),
    ('"partners_convenant"', "its organisation's convenant (personal-data permissions)"),
]
LOGGED: Spec = [
    ("SAVEPOINT", "savepoint for the processing log"),
    ("pg_advisory_xact_lock", "the log chain's lock"),
    ('"core_processinglogentry"', "the chain's last record"),
    ('INSERT INTO "core_processinglogentry"', "the record(s), one per address shown"),
    ("RELEASE SAVEPOINT", "release"),
]
VAULT: Spec = [
    ('"datasharing_projectkey"', "the project's current key"),
    ('"datasharing_addressvaultentry"', "the vault entries of the addresses"),
    ('"datasharing_projectkey"', "the key of their version"),
]
FIGURES: Spec = [
    ('"matching_matchingrun"', "figures: risk addresses, proposals, approvals per project"),
    ('"datasharing_delivery"', "figures: addresses in the area (the BAG delivery's count)"),
    ('"controls_controleavond"', "figures: per evening, visited and with findings"),
    ('"controls_findingcategory"', "figures: findings per category"),
    ('"controls_referral"', "figures: referrals per kind, status and partner"),
    ('"controls_referraloutcome"', "figures: outcomes and amounts per evening"),
]
REFERRALS: Spec = [
    ('"controls_referral"', "a page of referrals with project, organisation, finding, outcome"),
    ('"controls_referral_bundled_findings"', "their bundled findings with visits (prefetch)"),
]

PAGES: dict = {
    # The documentation page (Swagger UI from the sidecar): a verified session, like the schema.
    ("api-docs", "projectleider", "none"): [*SIGNED_IN, *SESSION_SAVED],
    ("api:project-list", "projectleider", "none"): [
        *TOKEN,
        ('"projects_project"', "a page of the client's projects (permission, participation)"),
        *LOGGED,
    ],
    ("api:project-detail", "projectleider", "project"): [*TOKEN, *PROJECT, *LOGGED],
    ("api:evening-list", "projectleider", "project"): [
        *TOKEN,
        *PROJECT,
        ('"controls_controleavond"', "a page of evenings"),
        *LOGGED,
    ],
    ("api:visit-list", "projectleider", "project"): [
        *TOKEN,
        *PROJECT,
        ('"controls_controleavond"', "the evenings the client sees (their visit selectors)"),
        ('"controls_visit"', "a page of visits of those evenings, with evening and team"),
        *LOGGED,
    ],
    ("api:visit-detail", "projectleider", "api_visit"): [
        *TOKEN,
        *PROJECT,
        ('"controls_visit"', "the visit with evening, team and proposal"),
        *LOGGED,
        *VAULT,
        ('"controls_finding"', "its findings with category and who recorded them"),
    ],
    ("api:finding-list", "projectleider", "project"): [
        *TOKEN,
        *PROJECT,
        ('"controls_controleavond"', "the evenings the client sees (their visit selectors)"),
        ('"controls_finding"', "a page of findings of those visits, with category and visit"),
        *LOGGED,
    ],
    **{
        ("api:referral-list", role, "project"): [*TOKEN, *PROJECT, *REFERRALS, *LOGGED]
        for role in ("projectleider", "behandelaar")
    },
    ("api:referral-detail", "projectleider", "referral"): [
        *TOKEN,
        *PROJECT,
        ('"controls_referral"', "the referral with its relations"),
        ('"controls_referral_bundled_findings"', "its bundled findings (prefetch)"),
        *LOGGED,
        *VAULT,
    ],
    ("api:progress", "projectleider", "project"): [*TOKEN, *PROJECT, *LOGGED, *FIGURES],
    # The adviser holds no personal-data permission: no convenant query.
    ("api:progress", "adviseur", "project"): [*TOKEN, *PROJECT[:2], *LOGGED, *FIGURES],
    ("api:export", "projectleider", "api_export_bevindingen"): [
        *TOKEN,
        *PROJECT,
        ('"controls_finding"', "every finding of the project with its visit and category"),
        *LOGGED,
    ],
    ("api:export", "behandelaar", "api_export_doorverwijzingen"): [
        *TOKEN,
        *PROJECT,
        ('"controls_referral"', "the referrals to the client's organisation"),
        *LOGGED,
    ],
    ("api:export", "projectleider", "api_export_voortgang"): [
        *TOKEN,
        *PROJECT,
        *FIGURES,
        *LOGGED,
    ],
}


def grow(world) -> None:
    """More findings at the visit and more referrals of them to the partner."""
    from controls.services.referrals import referral_create
    from tests.controls.followup_world import categories_ensure, finding_make

    mp = world.own
    leader, partner = mp.extra["cast"]["projectleider"], mp.extra["cast"]["partner"]
    categories = categories_ensure(mp.project)
    for n in range(3):
        finding = finding_make(
            visit=mp.extra["visit"], category=categories["overig"], by=leader, description=f"G{n}"
        )
        referral_create(actor=leader, finding=finding, kind="handhaving", organisation=partner)
