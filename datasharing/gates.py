"""The gates data sharing adds to a project's lifecycle (registered in apps.py, rule 33)."""

from projects.gates import Missing
from projects.models import Project

from .selectors import project_has_accepted_bag_delivery

MISSING_BAG_DELIVERY = Missing(
    "Er is nog geen geaccepteerde levering van de BAG-adressen (bron bag).",
    "datasharing:request-list",
)


def bag_delivery_missing(project: Project) -> list[str]:
    """Matching needs the BAG addresses: no selectie phase without an accepted BAG delivery."""
    return [] if project_has_accepted_bag_delivery(project=project) else [MISSING_BAG_DELIVERY]
