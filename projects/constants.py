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
