"""The gates matching adds to a project's lifecycle and to key rotation (registered in apps.py,
rule 33)."""

from projects.gates import Missing
from projects.models import Project

from .constants import ACTIVE_RUN_STATUSES
from .models import MatchingRun
from .selectors import approved_selection_count

MISSING_APPROVED_SELECTION = Missing(
    "Er is nog geen adres met vier ogen geselecteerd.", "matching:proposals"
)


def approved_selection_missing(project: Project) -> list[str]:
    """Controleavonden visit selected addresses: at least one approved with four eyes."""
    return [] if approved_selection_count(project=project) else [MISSING_APPROVED_SELECTION]


KEY_ROTATE_RUN_ACTIVE = (
    "Er staat een matchingrun van dit project in de wachtrij of die loopt nog. Wacht tot die "
    "klaar is of annuleer hem, en vervang de sleutel daarna."
)


def key_rotation_blocked(project: Project) -> str:
    """A queued or running run reads the pseudonyms: no key rotation under it."""
    active = MatchingRun.objects.filter(project=project, status__in=ACTIVE_RUN_STATUSES).exists()
    return KEY_ROTATE_RUN_ACTIVE if active else ""
