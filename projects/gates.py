"""The gates of the lifecycle: what a project needs before it may enter a phase.

One function per phase returns the list of what is still missing, in Dutch, so that the
project page can show it and a refused transition can give its reason. An empty list means
the gate is open. Later phases' gates read the data-sharing records through their selectors.
"""

from collections.abc import Callable

from django.utils import timezone

from partners.constants import OrganisationKind
from partners.selectors import organisation_ids_with_valid_convenant

from .constants import Phase
from .models import Project, ProjectPartner

MISSING_NAME = "De projectnaam ontbreekt."
MISSING_AREA = "Het projectgebied ontbreekt: geef buurtcodes en/of postcodes op."
MISSING_PROBLEM_ANALYSIS = "De probleemanalyse ontbreekt."
MISSING_PERIOD = "De beoogde looptijd (begin- en einddatum) ontbreekt."
MISSING_COLLEGEBESLUIT = "Er is nog geen collegebesluit geregistreerd."
MISSING_CAPACITY = "Het collegebesluit regelt de capaciteit en middelen niet."
MISSING_DATA_PERMISSION = (
    "Het collegebesluit geeft geen toestemming om gemeentelijke gegevens te verstrekken."
)
MISSING_PROJECTVOORSTEL = "Het projectvoorstel is nog niet bij de LSI ingediend."
MISSING_LSI_INSTEMMING = (
    "De instemming van de LSI met het projectvoorstel (datum en kenmerk) ontbreekt."
)
MISSING_ADOPTED_PLAN = "Er is nog geen vastgestelde versie van het projectplan."
MISSING_MUNICIPALITY_CONVENANT = "De gemeente heeft geen geldig LSI-convenant."
MISSING_OTHER_PARTNER = (
    "Er neemt nog geen andere partner dan de gemeente deel met een geldig convenant."
)
MISSING_DPIA = "De DPIA is nog niet vastgesteld."
MISSING_BAG_DELIVERY = "Er is nog geen geaccepteerde levering van de BAG-adressen (bron bag)."
MISSING_MATCHING_RUN = "Er is nog geen voltooide matchingrun."
MISSING_APPROVED_SELECTION = "Er is nog geen adres met vier ogen geselecteerd."
ALREADY_CLOSED = "Het project is afgesloten."

# Organisations that advise or receive signals but do not count as the "other partner".
NON_DATA_PARTNER_KINDS = frozenset({OrganisationKind.GEMEENTE, OrganisationKind.VNG_NALEVING})


def _initiatie_complete(project: Project) -> list[str]:
    missing = []
    if not project.name.strip():
        missing.append(MISSING_NAME)
    if not project.buurtcodes and not project.postcodes:
        missing.append(MISSING_AREA)
    if not project.problem_analysis.strip():
        missing.append(MISSING_PROBLEM_ANALYSIS)
    if not (project.period_start and project.period_end):
        missing.append(MISSING_PERIOD)
    return missing


def _collegebesluit_complete(project: Project) -> list[str]:
    besluit = project.collegebesluiten.order_by("-date", "-id").first()
    if besluit is None:
        return [MISSING_COLLEGEBESLUIT]
    missing = []
    if not besluit.capacity_settled:
        missing.append(MISSING_CAPACITY)
    if not besluit.data_permission:
        missing.append(MISSING_DATA_PERMISSION)
    return missing


def _plan_adopted(project: Project) -> list[str]:
    voorstel = getattr(project, "projectvoorstel", None)
    missing = []
    if voorstel is None:
        missing.append(MISSING_PROJECTVOORSTEL)
    elif not voorstel.has_instemming:
        missing.append(MISSING_LSI_INSTEMMING)
    if not project.plan_versions.filter(adopted_at__isnull=False).exists():
        missing.append(MISSING_ADOPTED_PLAN)
    return missing


def _ready_for_data(project: Project) -> list[str]:
    """Gate for the data-uitvraag: convenants, another partner, DPIA and data permission."""
    missing = []
    valid = organisation_ids_with_valid_convenant(project=project, day=timezone.localdate())
    if project.municipality_id not in valid:
        missing.append(MISSING_MUNICIPALITY_CONVENANT)
    others = ProjectPartner.objects.filter(project=project, left_at__isnull=True).exclude(
        organisation__kind__in=NON_DATA_PARTNER_KINDS
    )
    if not others.filter(organisation_id__in=valid).exists():
        missing.append(MISSING_OTHER_PARTNER)
    dpia = getattr(project, "dpia", None)
    if dpia is None or not dpia.vastgesteld:
        missing.append(MISSING_DPIA)
    besluit = project.collegebesluiten.order_by("-date", "-id").first()
    if besluit is None or not besluit.data_permission:
        missing.append(MISSING_DATA_PERMISSION)
    return missing


def _data_delivered(project: Project) -> list[str]:
    from datasharing.selectors import project_has_accepted_bag_delivery

    return [] if project_has_accepted_bag_delivery(project=project) else [MISSING_BAG_DELIVERY]


def _selection_approved(project: Project) -> list[str]:
    from datasharing.selectors import project_approved_selection_count

    return [] if project_approved_selection_count(project=project) else [MISSING_APPROVED_SELECTION]


def _nothing(project: Project) -> list[str]:
    return []


# What a project needs to *enter* each phase. Gates are cumulative in practice: the data
# gate re-checks the collegebesluit because permission can be withdrawn by a new besluit.
PHASE_GATES: dict[Phase, Callable[[Project], list[str]]] = {
    Phase.INITIATIE: _nothing,
    Phase.COLLEGEBESLUIT: _initiatie_complete,
    Phase.PROJECTPLAN: _collegebesluit_complete,
    Phase.PARTNERS: _plan_adopted,
    Phase.DATA_UITVRAAG: _ready_for_data,
    Phase.SELECTIE: _data_delivered,
    Phase.CONTROLEAVONDEN: _selection_approved,
    Phase.OPVOLGING: _nothing,
    Phase.RAPPORTAGE: _nothing,
    Phase.AFGESLOTEN: _nothing,
}


def gate_missing(project: Project, target: Phase) -> list[str]:
    """What `project` still lacks to enter `target` (empty: the gate is open)."""
    return PHASE_GATES[target](project)


def data_request_missing(project: Project) -> list[str]:
    """What is missing before any data may be requested (design.md gate 2 and 3)."""
    return _ready_for_data(project)
