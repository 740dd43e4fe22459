"""Demo data of matching and selection, on the demo project that has the twelve sample deliveries.

Through the services, like real users: the demo projectleider widens the overbewoning norm to
`DEMO_OVERBEWONING_M2_PER_PERSON` m² per person (one settings change, with its Event: the
method's history shows it; the controls demo's evenings then give that indicator a low hit
rate, flagged to the projectleider); the demo analist runs a matching run (executed in this
process with the same chunk functions as the Celery tasks, so the run is finished when the
builder returns), proposes the four highest-scoring risk addresses with a reason each; the demo
projectleider (another person: four eyes) approves two and rejects one, and one stays open;
the projectleider re-identifies the first approved address (the selection record shows it).
Then the project is advanced to the phase `selectie` if its gate allows.

Idempotent: a project that already has a current run keeps it, proposals are made only when
there are none, and a project already in `selectie` (or later) is not advanced. Called by
`manage.py load_demo` after `datasharing.demo.build`.
"""

from __future__ import annotations

from datasharing.constants import DeliveryStatus
from datasharing.models import Delivery
from partners.models import User
from projects.constants import Phase, phase_reached
from projects.models import Project
from wijkaanpak.core.exceptions import InvalidTransition

from . import selectors, services
from .constants import ProposalStatus
from .models import MatchingRun, Reidentification, SelectionProposal

SAMPLE_DELIVERIES = 12

PROPOSAL_REASONS = [
    "Hoogste score in de wijk; overbewoning en inschrijvingen zonder verbruik vallen samen. "
    "Huisbezoek door het gemengde team voorstellen.",
    "Meerdere signalen van verschillende partners op één adres; samen met de corporatie bekijken.",
    "Alleenstaande uitkering op een adres met andere volwassenen; eerst gesprek met de bewoner.",
    "Huurder niet ingeschreven op het adres; controleren of er sprake is van onderhuur.",
]
DECISIONS = [
    (True, "Akkoord: de indicatoren zijn onderbouwd en het adres valt binnen het projectgebied."),
    (True, "Akkoord; neem de corporatie mee bij het huisbezoek."),
    (
        False,
        "Afgewezen: de signalen zijn ouder dan een jaar en de bewoner is al in beeld bij de "
        "schuldhulpverlening.",
    ),
]

# The projectleider's wider overbewoning norm (the engine's default is 12): more addresses of the
# sample fire it, enough for the evenings to visit 20 of them (the hit-rate flag's minimum).
DEMO_OVERBEWONING_M2_PER_PERSON = 18

REIDENTIFICATION_REASON = "Voorbereiding controleavond: looproute en teamindeling plannen."


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_project() -> Project | None:
    """The demo project with all twelve sample deliveries accepted (see datasharing.demo)."""
    from projects.demo import DEMO_PROJECT_SLUGS

    project = Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()
    if project is None:
        return None
    accepted = Delivery.objects.filter(project=project, status=DeliveryStatus.GEACCEPTEERD)
    return project if accepted.count() >= SAMPLE_DELIVERIES else None


def _settings_widen(project: Project, leader: User) -> None:
    """The projectleider's wider overbewoning norm, once (before the first run)."""
    from .models import IndicatorSettingsRecord
    from .services.settings import SETTING_FIELDS

    if IndicatorSettingsRecord.objects.filter(project=project).exists():
        return
    engine = services.indicator_settings_for(project=project)
    values = {name: getattr(engine, name) for name in SETTING_FIELDS}
    values["overbewoning_m2_per_person"] = DEMO_OVERBEWONING_M2_PER_PERSON
    services.indicator_settings_update(
        actor=leader,
        project=project,
        values=values,
        weights=dict(engine.weights),
        enabled=sorted(engine.enabled),
    )


def build(*, stdout=None) -> None:
    project = _demo_project()
    if project is None:
        _say(stdout, "  geen demoproject met alle twaalf voorbeeldleveringen; overgeslagen")
        return
    analist = User.objects.get(username="analist")
    leader = User.objects.get(username="projectleider")

    run = selectors.current_run(project=project)
    if run is None:
        _settings_widen(project, leader)
        run = services.matching_run_create(actor=analist, project=project, chunk_count=1)
        run = services.matching_run_execute_inline(run=run)
        _say(
            stdout,
            f"  matchingrun {run.pk}: {run.get_status_display()} ({run.risk_address_count} "
            f"risicoadressen van {run.address_count})",
        )
    if not MatchingRun.objects.filter(pk=run.pk, is_current=True).exists():
        _say(stdout, f"  matchingrun {run.pk} is niet geslaagd: {run.error}")
        return

    if not SelectionProposal.objects.filter(project=project).exists():
        candidates = list(selectors.risk_address_list(run=run)[: len(PROPOSAL_REASONS)])
        proposals = [
            services.selection_propose(actor=analist, risk_address=address, reason=reason)
            for address, reason in zip(candidates, PROPOSAL_REASONS, strict=False)
        ]
        for proposal, (approve, reason) in zip(proposals, DECISIONS, strict=False):
            services.selection_decide(
                actor=leader, proposal=proposal, approve=approve, reason=reason
            )
        counts = {
            status.label: SelectionProposal.objects.filter(project=project, status=status).count()
            for status in ProposalStatus
        }
        _say(
            stdout,
            "  voordrachten: " + ", ".join(f"{n} {label.lower()}" for label, n in counts.items()),
        )

    # The projectleider looks up the approved addresses to plan the evenings: each selection
    # record then lists a re-identification (who, when, why), and its page opens for one shift.
    approved = SelectionProposal.objects.filter(project=project, status=ProposalStatus.APPROVED)
    looked_up = 0
    for proposal in approved.exclude(
        pk__in=Reidentification.objects.values("proposal_id")
    ).order_by("pk"):
        services.reidentification_create(
            actor=leader, proposal=proposal, reason=REIDENTIFICATION_REASON
        )
        looked_up += 1
    if looked_up:
        _say(stdout, f"  {looked_up} goedgekeurde adressen herleid door de projectleider")

    project.refresh_from_db()
    if not phase_reached(project.phase, Phase.SELECTIE):
        from projects.services import project_advance

        try:
            project = project_advance(actor=leader, project=project, target=Phase.SELECTIE)
        except InvalidTransition as error:
            _say(stdout, f"  fase selectie nog niet bereikbaar: {error.message}")
            return
    _say(stdout, f"  project {project.name}: fase {project.get_phase_display()}")
