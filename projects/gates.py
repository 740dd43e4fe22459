"""The gates of the lifecycle: what a project needs before it may enter a phase.

One function per phase returns the list of what is still missing, in Dutch, so that the
project page can show it and a refused transition can give its reason. An empty list means
the gate is open.

The gates of later phases depend on facts of higher apps (an accepted BAG delivery, an
approved selection, no open referrals). Those apps register their checks here in their
`AppConfig.ready()` (style rule 33), so projects never imports them:

- `gate_register(phase, check)`: `check(project) -> list[str]` is asked, after projects' own
  gate, whenever a project is to enter `phase`;
- `closure_blocker_register(check)`: the same for closing (entering `afgesloten`), also readable
  on its own through `project_closure_blockers(project)`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from partners.constants import OrganisationKind
from partners.selectors import organisation_ids_with_valid_convenant
from wijkaanpak.core.registry import Registry

from .constants import Phase
from .models import Project, ProjectPartner


class Missing(str):
    """What a gate finds missing: its Dutch text (it *is* that str, so every caller that joins
    or compares texts keeps working) and the project page where it is done (`url_name`, a URL
    that takes the project's slug, plus an optional `fragment`), so the project page can link
    it. A check may return plain strings too: those are shown without a link."""

    url_name: str
    fragment: str

    def __new__(cls, text: str, url_name: str = "", fragment: str = "") -> "Missing":
        item = super().__new__(cls, text)
        item.url_name, item.fragment = url_name, fragment
        return item

    def __reduce__(self):  # copies and pickles keep the page
        return (Missing, (str(self), self.url_name, self.fragment))


GateCheck = Callable[[Project], list[str]]


@dataclass(frozen=True)
class Gate:
    phase: Phase
    check: GateCheck


GATES: Registry[Gate] = Registry("phase gates")
CLOSURE_BLOCKERS: Registry[GateCheck] = Registry("closure blockers")


def gate_register(phase: Phase, check: GateCheck) -> None:
    """Ask `check` too before a project enters `phase` (call from AppConfig.ready())."""
    GATES.register(Gate(Phase(phase), check))


def closure_blocker_register(check: GateCheck) -> None:
    """Ask `check` before a project closes; what it returns keeps the project open."""
    CLOSURE_BLOCKERS.register(check)


def project_closure_blockers(project: Project) -> list[str]:
    """What keeps the project from closing, in Dutch (empty: it may close)."""
    return [reason for check in CLOSURE_BLOCKERS for reason in check(project)]


MISSING_NAME = Missing("De projectnaam ontbreekt.", "projects:update")
MISSING_AREA = Missing(
    "Het projectgebied ontbreekt: geef buurtcodes en/of postcodes op.", "projects:update"
)
MISSING_PROBLEM_ANALYSIS = Missing("De probleemanalyse ontbreekt.", "projects:update")
MISSING_PERIOD = Missing("De beoogde looptijd (begin- en einddatum) ontbreekt.", "projects:update")
MISSING_COLLEGEBESLUIT = Missing(
    "Er is nog geen collegebesluit geregistreerd.", "projects:collegebesluit"
)
MISSING_CAPACITY = Missing(
    "Het collegebesluit regelt de capaciteit en middelen niet.", "projects:collegebesluit"
)
MISSING_DATA_PERMISSION = Missing(
    "Het collegebesluit geeft geen toestemming om gemeentelijke gegevens te verstrekken.",
    "projects:collegebesluit",
)
MISSING_PROJECTVOORSTEL = Missing(
    "Het projectvoorstel is nog niet bij de LSI ingediend.", "projects:voorstel"
)
MISSING_LSI_INSTEMMING = Missing(
    "De instemming van de LSI met het projectvoorstel (datum en kenmerk) ontbreekt.",
    "projects:voorstel",
)
MISSING_ADOPTED_PLAN = Missing(
    "Er is nog geen vastgestelde versie van het projectplan.", "projects:plan_create"
)
MISSING_MUNICIPALITY_CONVENANT = Missing(
    "De gemeente heeft geen geldig LSI-convenant.", "projects:convenant_create"
)
MISSING_OTHER_PARTNER = Missing(
    "Er neemt nog geen andere partner dan de gemeente deel met een geldig convenant.",
    "projects:project_partners",
)
MISSING_DPIA = Missing("De DPIA is nog niet vastgesteld.", "projects:dpia")

# Organisations that advise or receive signals but do not count as the "other partner".
NON_DATA_PARTNER_KINDS = frozenset({OrganisationKind.GEMEENTE, OrganisationKind.VNG_NALEVING})


def _initiatie_complete(project: Project) -> list[str]:
    missing: list[str] = []
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
    missing: list[str] = []
    if not besluit.capacity_settled:
        missing.append(MISSING_CAPACITY)
    if not besluit.data_permission:
        missing.append(MISSING_DATA_PERMISSION)
    return missing


def _plan_adopted(project: Project) -> list[str]:
    voorstel = getattr(project, "projectvoorstel", None)
    missing: list[str] = []
    if voorstel is None:
        missing.append(MISSING_PROJECTVOORSTEL)
    elif not voorstel.has_instemming:
        missing.append(MISSING_LSI_INSTEMMING)
    if not project.plan_versions.filter(adopted_at__isnull=False).exists():
        # A concept version is adopted on the project page itself; without one, write one.
        missing.append(
            Missing(MISSING_ADOPTED_PLAN, "projects:detail", "projectplan")
            if project.plan_versions.exists()
            else MISSING_ADOPTED_PLAN
        )
    return missing


def _ready_for_data(project: Project) -> list[str]:
    """Gate for the data-uitvraag: convenants, another partner, DPIA and data permission."""
    missing: list[str] = []
    valid = organisation_ids_with_valid_convenant(project=project, day=timezone.localdate())
    if project.municipality_id not in valid:
        missing.append(MISSING_MUNICIPALITY_CONVENANT)
    others = (
        ProjectPartner.objects.active()
        .filter(project=project)
        .exclude(organisation__kind__in=NON_DATA_PARTNER_KINDS)
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
    Phase.SELECTIE: _nothing,  # datasharing: an accepted BAG delivery
    Phase.CONTROLEAVONDEN: _nothing,  # matching: an address selected with four eyes
    Phase.OPVOLGING: _nothing,
    Phase.RAPPORTAGE: _nothing,
    Phase.AFGESLOTEN: project_closure_blockers,
}


def gate_missing(project: Project, target: Phase) -> list[str]:
    """What `project` still lacks to enter `target` (empty: the gate is open): projects' own
    gate first, then every check registered for `target`, in registration order."""
    missing = PHASE_GATES[target](project)
    for gate in GATES:
        if gate.phase == target:
            missing = missing + gate.check(project)
    return missing


def data_request_missing(project: Project) -> list[str]:
    """What is missing before any data may be requested (design.md gate 2 and 3)."""
    return _ready_for_data(project)
