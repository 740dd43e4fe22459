"""Query counts of the inspector's tablet pages (controls/urls/field.py): the same queries for
one visit as for several visits with several findings each (`grow`)."""

from __future__ import annotations

from tests.core.test_query_counts import HEADER, LOGGED, PROJECT, SESSION_SAVED, SIGNED_IN

EVENING = [('"controls_controleavond"', "the evening, if the person may see it")]
ROUTE = [
    *SIGNED_IN,
    *PROJECT,
    *EVENING,
    ('"controls_visit"', "the person's visits with their teams, in route order"),
    *LOGGED,  # one record per address (R21), in one savepoint
    ('"datasharing_projectkey"', "the vault: is the project's key still there"),
    ('"datasharing_addressvaultentry"', "the vault entries of every visit's address"),
    ('"datasharing_projectkey"', "the key version that sealed them"),
    ('"controls_finding"', "the findings of every visit, with their categories"),
    ('"datasharing_objection"', "objections and corrections of the visits' addresses"),
    ('"controls_findingcategory"', "the project's finding categories (the forms)"),
    *SESSION_SAVED,
]

PAGES = {
    ("controls:tonight", "inspecteur", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_controleavond"', "tonight's evenings of the inspector (projects joined)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("controls:route", "projectleider", "evening_tonight"): ROUTE,
    ("controls:route", "inspecteur", "evening_tonight"): ROUTE,
}


def grow(world) -> None:
    """A second address on tonight's route (the proposal `grow` approved) and more findings."""
    import uuid

    from controls.models import FindingCategory
    from controls.services import evenings as ev
    from controls.services.recording import finding_record

    mp = world.own
    leader = mp.extra["cast"]["projectleider"]
    evening = mp.extra["evening_tonight"]
    team = evening.teams.get(name="Team 1")
    visits = [mp.extra["visit_own"]]
    visits += ev.visits_assign(
        actor=leader, evening=evening, proposals=[mp.extra["proposed"]], team=team
    )
    categories = list(FindingCategory.objects.filter(project=mp.project)[:3])
    for visit in visits:
        for category in categories:
            finding_record(
                actor=leader,
                visit=visit,
                category=category,
                description="Meer",
                client_id=uuid.uuid4(),
            )
