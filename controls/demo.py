"""Demo data of the controleavonden (issue 11 item 8), on the demo project with the approved
selection ("Wijkaanpak Oude Westen"), through the services like real users:

* inspectors of three partners (the demo `inspecteur` of the police, plus a gemeente
  handhaver, a UWV inspecteur, a second handhaver and a police officer);
* enough approved addresses for two evenings: the demo analist proposes more of the current
  run's risk addresses and the projectleider approves them (four eyes);
* a finished evening a week ago (afgerond) with two mixed teams, a result at every address
  and findings in most categories, recorded by the team members: 24 addresses, those where
  overbewoning fired (under the matching demo's wider norm) first, findings at six of them, so
  the indicator's hit rate is low after more than 20 visited addresses and the projectleider's
  dashboard and method page flag it (reports: hit rates);
* an evening **tonight** (voorbereid, so its inspectors can record) with two mixed teams and
  planned walking routes; `inspecteur` is in one of them.

Idempotent: people, roles, proposals and evenings are made only when missing (tonight's
evening when the demo `inspecteur` has none today). Runs after the matching demo.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.utils import timezone

from datasharing.matching import selectors as matching_selectors
from datasharing.matching import services as matching_services
from datasharing.matching.constants import ProposalStatus
from datasharing.matching.models import SelectionProposal
from partners.models import Organisation, User
from projects.constants import Phase, Role, phase_reached
from projects.models import Project
from wijkaanpak.core.exceptions import ApplicationError

from .constants import EveningStatus, VisitResult
from .models import Controleavond, FindingCategory, TeamMember, Visit
from .services import evenings as services
from .services.categories import finding_categories_ensure_defaults
from .services.recording import finding_record, visit_result_record

# username -> (first name, last name, organisation): inspectors besides the demo `inspecteur`.
DEMO_INSPECTORS = {
    "handhaver": ("Ruud", "Verbeek", "Gemeente Voorbeeldstad"),
    "uwv_inspecteur": ("Naima", "Bouzid", "UWV"),
    "handhaver2": ("Kees", "Smit", "Gemeente Voorbeeldstad"),
    "agent": ("Linda", "de Graaf", "Politie"),
}
FINISHED_ADDRESSES = 24
# The indicator the finished evening's addresses are chosen by (fired there), for its flag.
LOW_HIT_INDICATOR = "OVERBEWONING"
TONIGHT_ADDRESSES = 8
MEETING_POINT = "Buurthuis Het Oude Westen, Gouvernestraat 10"

# The finished evening: per address in route order, the result and its findings (category
# code, description). Together they name most categories.
FINISHED_RESULTS: list[tuple[str, int | None, list[tuple[str, str]]]] = [
    (
        VisitResult.AANGETROFFEN,
        7,
        [
            ("overbewoning", "Zeven volwassenen in een woning van 45 m²; matrassen in elke kamer."),
            (
                "adresfraude",
                "Drie ingeschreven personen wonen hier niet; twee bewoners niet in de BRP.",
            ),
            ("illegale_tewerkstelling", "Bewoners werken via een uitzendbureau zonder loonstrook."),
        ],
    ),
    (
        VisitResult.AANGETROFFEN,
        2,
        [
            ("uitkeringsfraude", "Bijstand als alleenstaande; partner woont aantoonbaar mee."),
            ("toeslagfraude", "Huurtoeslag aangevraagd voor een huishouden dat niet klopt."),
        ],
    ),
    (VisitResult.NIET_AANGETROFFEN, None, [("overig", "Niemand thuis; briefje achtergelaten.")]),
    (
        VisitResult.AANGETROFFEN,
        4,
        [
            ("woningsplitsing", "Woning zonder vergunning in vier kamers verhuurd."),
            ("brandgevaar", "Geen rookmelders; kookplaten op de slaapkamers."),
            ("onderverhuur", "Hoofdhuurder woont elders en verhuurt de kamers door."),
        ],
    ),
    (
        VisitResult.TOEGANG_GEWEIGERD,
        None,
        [("hennep", "Sterke hennepgeur in het trappenhuis; toegang geweigerd.")],
    ),
    (
        VisitResult.AANGETROFFEN,
        1,
        [
            ("niet_gebruik", "Oudere bewoner zonder AOW-aanvulling waar zij recht op heeft."),
            ("zorgsignaal", "Schulden en vervuiling in de woning; bewoner wil hulp."),
            ("uitbuiting", "Bewoner betaalt huur in natura aan de werkgever."),
        ],
    ),
]
# The finished evening's other addresses: a result, nothing found (the household matches).
QUIET_RESULTS: list[tuple[str, int | None, list[tuple[str, str]]]] = [
    (VisitResult.AANGETROFFEN, 3, []),
    (VisitResult.AANGETROFFEN, 2, []),
    (VisitResult.NIET_AANGETROFFEN, None, []),
    (VisitResult.AANGETROFFEN, 4, []),
]


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_project() -> Project | None:
    from projects.demo import DEMO_PROJECT_SLUGS

    project = Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()
    if project is None or not phase_reached(project.phase, Phase.SELECTIE):
        return None
    return project


def _inspectors(project: Project, leader: User) -> dict[str, User]:
    from projects.demo import demo_person, demo_role_ensure

    people = {"inspecteur": User.objects.get(username="inspecteur")}
    for username, (first, last, organisation) in DEMO_INSPECTORS.items():
        person, _made = demo_person(
            username, first, last, Organisation.objects.get(name=organisation)
        )
        people[username] = person
    for person in people.values():
        demo_role_ensure(project=project, person=person, role=Role.INSPECTEUR, actor=leader)
    return people


def _approved_enough(project: Project, leader: User, needed: int) -> None:
    """Approve more of the current run's risk addresses until `needed` approved ones are not
    on an evening yet (the analist proposes, the projectleider approves)."""
    analist = User.objects.get(username="analist")
    run = matching_selectors.current_run(project=project)
    if run is None:
        return
    free = SelectionProposal.objects.filter(
        project=project, status=ProposalStatus.APPROVED, visits__isnull=True
    ).count()
    if free >= needed:
        return
    proposed = set(
        SelectionProposal.objects.filter(project=project).values_list("address_key", flat=True)
    )
    # Those where the low-hit indicator fired first (the finished evening visits them).
    addresses = sorted(
        matching_selectors.risk_address_list(run=run),
        key=lambda address: LOW_HIT_INDICATOR not in address.fired,
    )
    for address in addresses:
        if free >= needed:
            break
        if address.address_key in proposed:
            continue
        try:
            proposal = matching_services.selection_propose(
                actor=analist,
                risk_address=address,
                reason="Meerdere indicatoren op één adres; meenemen op een controleavond.",
            )
            matching_services.selection_approve(
                actor=leader, proposal=proposal, reason="Akkoord: onderbouwd en in het gebied."
            )
            # As for the matching demo's approvals: the projectleider looks the address up to
            # plan the evening (a logged re-identification, shown again for one shift).
            matching_services.reidentification_create(
                actor=leader,
                proposal=proposal,
                reason="Adres opzoeken voor de planning van de controleavond.",
            )
        except ApplicationError:
            continue
        free += 1


def _free_proposals(
    project: Project, count: int, *, fired_first: str = ""
) -> list[SelectionProposal]:
    """`count` approved proposals not on an evening yet; those whose address fired
    `fired_first` first when given."""
    proposals = list(
        SelectionProposal.objects.filter(
            project=project, status=ProposalStatus.APPROVED, visits__isnull=True
        )
        .select_related("risk_address")
        .order_by("buurtcode", "pk")
    )
    if fired_first:
        proposals.sort(key=lambda p: fired_first not in p.risk_address.fired)
    return proposals[:count]


def _evening(
    *,
    project: Project,
    leader: User,
    name: str,
    starts_at: datetime,
    teams: list[tuple[str, list[User]]],
    proposals: list[SelectionProposal],
    briefing: str,
) -> Controleavond:
    evening = services.evening_create(
        actor=leader,
        project=project,
        name=name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        meeting_point=MEETING_POINT,
        briefing=briefing,
    )
    for team_name, members in teams:
        team = services.team_create(actor=leader, evening=evening, name=team_name)
        for index, person in enumerate(members):
            services.team_member_add(actor=leader, team=team, person=person, is_lead=index == 0)
    services.visits_assign(actor=leader, evening=evening, proposals=proposals)
    services.evening_routes_plan(actor=leader, evening=evening)
    return services.evening_transition(
        actor=leader, evening=evening, target=EveningStatus.VOORBEREID
    )


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _has_finished(project: Project) -> bool:
    return Controleavond.objects.filter(
        project=project, status__in=[EveningStatus.UITGEVOERD, EveningStatus.AFGEROND]
    ).exists()


def _has_tonight(project: Project, inspecteur: User) -> bool:
    return (
        Controleavond.objects.filter(
            project=project,
            starts_at__date=timezone.localdate(),
            teams__members__person=inspecteur,
        )
        .exclude(status=EveningStatus.GEANNULEERD)
        .exists()
    )


def _finished(project: Project, leader: User, people: dict[str, User], stdout) -> None:
    if _has_finished(project):
        return
    proposals = _free_proposals(project, FINISHED_ADDRESSES, fired_first=LOW_HIT_INDICATOR)
    if len(proposals) < 2:
        _say(stdout, "  te weinig goedgekeurde adressen voor een afgeronde controleavond")
        return
    evening = _evening(
        project=project,
        leader=leader,
        name="Controleavond 1 Oude Westen",
        starts_at=_at(timezone.localdate() - timedelta(days=7), 19),
        teams=[
            ("Team Noord", [people["handhaver"], people["agent"]]),
            ("Team Zuid", [people["uwv_inspecteur"], people["handhaver2"]]),
        ],
        proposals=proposals,
        briefing="Eerste avond: rustig beginnen, bij twijfel zorg vóór handhaving.",
    )
    categories = {c.code: c for c in FindingCategory.objects.filter(project=project)}
    visits = list(Visit.objects.filter(evening=evening).order_by("team__name", "route_position"))
    results = FINISHED_RESULTS + QUIET_RESULTS * FINISHED_ADDRESSES
    for visit, (result, residents, findings) in zip(visits, results, strict=False):
        lead = TeamMember.objects.get(team=visit.team, is_lead=True).person
        visit_result_record(
            actor=lead,
            visit=visit,
            result=result,
            residents_found=residents,
            notes="",
            client_id=uuid.uuid4(),
            expected_version=visit.version,
        )
        for code, description in findings:
            finding_record(
                actor=lead,
                visit=visit,
                category=categories[code],
                description=description,
                client_id=uuid.uuid4(),
            )
    for target in (EveningStatus.UITGEVOERD, EveningStatus.AFGEROND):
        evening = services.evening_transition(actor=leader, evening=evening, target=target)
    _say(stdout, f"  {evening}: afgerond, {len(visits)} bezoeken met resultaten en bevindingen")


def _tonight(project: Project, leader: User, people: dict[str, User], stdout) -> None:
    today = timezone.localdate()
    tonight = _at(today, 19)
    if (
        Controleavond.objects.filter(
            project=project,
            starts_at__date=today,
            teams__members__person=people["inspecteur"],
        )
        .exclude(status=EveningStatus.GEANNULEERD)
        .exists()
    ):
        return
    proposals = _free_proposals(project, TONIGHT_ADDRESSES)
    if len(proposals) < 2:
        _say(stdout, "  te weinig goedgekeurde adressen voor de controleavond van vanavond")
        return
    evening = _evening(
        project=project,
        leader=leader,
        name=f"Controleavond {today:%d-%m} Oude Westen",
        starts_at=tonight,
        teams=[
            ("Team A", [people["handhaver"], people["inspecteur"]]),
            ("Team B", [people["uwv_inspecteur"], people["agent"]]),
        ],
        proposals=proposals,
        briefing="Verzamelen om 18.45 uur. Let op: in de Gouvernestraat is een bewoner bekend "
        "die agressief kan reageren; ga daar met z'n tweeën naar binnen.",
    )
    _say(stdout, f"  {evening}: voorbereid, {len(proposals)} adressen in twee routes")


def build(*, stdout=None) -> None:
    project = _demo_project()
    if project is None:
        _say(stdout, "  geen demoproject met een goedgekeurde selectie; overgeslagen")
        return
    leader = User.objects.get(username="projectleider")
    people = _inspectors(project, leader)
    finding_categories_ensure_defaults(project=project)
    needed = (0 if _has_finished(project) else FINISHED_ADDRESSES) + (
        0 if _has_tonight(project, people["inspecteur"]) else TONIGHT_ADDRESSES
    )
    if needed:
        _approved_enough(project, leader, needed)
    _finished(project, leader, people, stdout)
    _tonight(project, leader, people, stdout)
