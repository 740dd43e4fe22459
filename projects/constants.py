from django.db import models


class Phase(models.TextChoices):
    """The lifecycle of an LSI project (design.md), in order."""

    INITIATIE = "initiatie", "Initiatie"
    COLLEGEBESLUIT = "collegebesluit", "Collegebesluit"
    PROJECTPLAN = "projectplan", "Projectvoorstel en projectplan"
    PARTNERS = "partners", "Partners en convenanten"
    DATA_UITVRAAG = "data_uitvraag", "Data-uitvraag en intake"
    SELECTIE = "selectie", "Matching en selectie"
    CONTROLEAVONDEN = "controleavonden", "Controleavonden"
    OPVOLGING = "opvolging", "Bevindingen en doorverwijzingen"
    RAPPORTAGE = "rapportage", "Rapportage"
    AFGESLOTEN = "afgesloten", "Afgesloten"


PHASE_ORDER: list[Phase] = list(Phase)

# The whole lifecycle: each phase moves on to the next. Every move also passes its gate
# (projects.gates); a step back is not a transition, a correction is a new version of a document.
PROJECT_TRANSITIONS: dict[Phase, set[Phase]] = {
    Phase.INITIATIE: {Phase.COLLEGEBESLUIT},
    Phase.COLLEGEBESLUIT: {Phase.PROJECTPLAN},
    Phase.PROJECTPLAN: {Phase.PARTNERS},
    Phase.PARTNERS: {Phase.DATA_UITVRAAG},
    Phase.DATA_UITVRAAG: {Phase.SELECTIE},
    Phase.SELECTIE: {Phase.CONTROLEAVONDEN},
    Phase.CONTROLEAVONDEN: {Phase.OPVOLGING},
    Phase.OPVOLGING: {Phase.RAPPORTAGE},
    Phase.RAPPORTAGE: {Phase.AFGESLOTEN},
    Phase.AFGESLOTEN: set(),
}


def phase_reached(current: str, phase: Phase) -> bool:
    """True when `current` is `phase` or a later one."""
    return PHASE_ORDER.index(Phase(current)) >= PHASE_ORDER.index(phase)


# --- Roles in a project and the object permissions they grant (style rule 15). ---


class Role(models.TextChoices):
    PROJECTLEIDER = "projectleider", "Projectleider"
    ANALIST = "analist", "Analist"
    INSPECTEUR = "inspecteur", "Inspecteur"
    BEHANDELAAR = "behandelaar", "Behandelaar"
    ADVISEUR = "adviseur", "Adviseur (VNG Naleving)"
    LEVERANCIER = "leverancier", "Leverancier (levert voor de eigen organisatie)"
    PRIVACY_OFFICER = "privacy_officer", "Functionaris gegevensbescherming"


class ProjectPerm(models.TextChoices):
    """Object permissions on a project, granted by the system from a person's role."""

    VIEW = "view_project", "Project inzien"
    MANAGE = "manage_project", "Project beheren (fasen, besluiten, partners)"
    DELIVER = "deliver_data", "Gegevens leveren"
    VIEW_PSEUDONYMISED = "view_pseudonymised", "Gepseudonimiseerde gegevens en risicolijst inzien"
    RUN_MATCHING = "run_matching", "Matching starten"
    PROPOSE_SELECTION = "propose_selection", "Adressen voordragen"
    APPROVE_SELECTION = "approve_selection", "Selectie goedkeuren (vier ogen)"
    VIEW_ADDRESSES = "view_addresses", "Herleide adressen inzien"
    PLAN_CONTROLS = "plan_controls", "Controleavonden plannen"
    RECORD_VISITS = "record_visits", "Bezoeken en bevindingen vastleggen"
    HANDLE_REFERRALS = "handle_referrals", "Doorverwijzingen afhandelen"
    VIEW_AGGREGATES = "view_aggregates", "Voortgang en totalen inzien"
    HANDLE_PRIVACY_REQUESTS = (
        "handle_privacy_requests",
        "Inzageverzoeken, bezwaren en correcties afhandelen; verwerkingslog inzien",
    )


ROLE_PERMISSIONS: dict[Role, frozenset[ProjectPerm]] = {
    Role.PROJECTLEIDER: frozenset(
        {
            ProjectPerm.VIEW,
            ProjectPerm.MANAGE,
            ProjectPerm.DELIVER,
            ProjectPerm.VIEW_PSEUDONYMISED,
            ProjectPerm.RUN_MATCHING,
            ProjectPerm.APPROVE_SELECTION,
            ProjectPerm.VIEW_ADDRESSES,
            ProjectPerm.PLAN_CONTROLS,
            ProjectPerm.VIEW_AGGREGATES,
        }
    ),
    Role.ANALIST: frozenset(
        {
            ProjectPerm.VIEW,
            ProjectPerm.DELIVER,
            ProjectPerm.VIEW_PSEUDONYMISED,
            ProjectPerm.RUN_MATCHING,
            ProjectPerm.PROPOSE_SELECTION,
        }
    ),
    Role.INSPECTEUR: frozenset(
        {ProjectPerm.VIEW, ProjectPerm.VIEW_ADDRESSES, ProjectPerm.RECORD_VISITS}
    ),
    Role.BEHANDELAAR: frozenset({ProjectPerm.VIEW, ProjectPerm.HANDLE_REFERRALS}),
    Role.ADVISEUR: frozenset({ProjectPerm.VIEW, ProjectPerm.VIEW_AGGREGATES}),
    Role.LEVERANCIER: frozenset({ProjectPerm.VIEW, ProjectPerm.DELIVER}),
    Role.PRIVACY_OFFICER: frozenset(
        {ProjectPerm.VIEW, ProjectPerm.VIEW_AGGREGATES, ProjectPerm.HANDLE_PRIVACY_REQUESTS}
    ),
}


# What each role may do, in Dutch, for the roles page (the projectleider chooses from these).
ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.PROJECTLEIDER: (
        "Leidt het project: fasen, besluiten, partners, rollen en uitvragen. Ziet alle "
        "leveringen en keurt de selectie goed (vier ogen)."
    ),
    Role.ANALIST: (
        "Start de matching, bekijkt de gepseudonimiseerde risicolijst en draagt adressen voor. "
        "Een analist van de gemeente ziet alle leveringen; een analist van een partner alleen "
        "die van de eigen organisatie."
    ),
    Role.INSPECTEUR: "Bezoekt de goedgekeurde adressen en legt bevindingen vast.",
    Role.BEHANDELAAR: "Handelt de doorverwijzingen aan de eigen organisatie af.",
    Role.ADVISEUR: "VNG Naleving: volgt de voortgang in totalen, nooit persoonsgegevens.",
    Role.LEVERANCIER: (
        "Levert de bestanden van de eigen organisatie op haar uitvragen en ziet de "
        "validatierapporten daarvan. Geen risicolijst, geen voordrachten, geen leveringen van "
        "anderen."
    ),
    Role.PRIVACY_OFFICER: (
        "Handelt inzageverzoeken, bezwaren en correcties af en leest het verwerkingslog."
    ),
}

# Retention periods a project may set (issue #8 item 6), the same bound in the model and the form:
# data of addresses that were not selected at most half a year after the selection closes, the
# selection at most 2 years, everything at most a year after the project closes (the key is
# destroyed then, so a longer period would postpone crypto-shredding).
RETENTION_UNSELECTED_WEEKS_MAX = 26
RETENTION_SELECTION_MONTHS_MAX = 24
RETENTION_AFTER_CLOSE_WEEKS_MAX = 52
RETENTION_UNSELECTED_TOO_LONG = (
    f"Ten hoogste {RETENTION_UNSELECTED_WEEKS_MAX} weken: gegevens van niet-geselecteerde "
    "adressen worden niet langer bewaard."
)
RETENTION_SELECTION_TOO_LONG = (
    f"Ten hoogste {RETENTION_SELECTION_MONTHS_MAX} maanden (2 jaar): de selectie wordt niet "
    "langer bewaard."
)
RETENTION_AFTER_CLOSE_TOO_LONG = (
    f"Ten hoogste {RETENTION_AFTER_CLOSE_WEEKS_MAX} weken: na afsluiten worden de "
    "persoonsgegevens en de sleutel binnen een jaar vernietigd."
)
