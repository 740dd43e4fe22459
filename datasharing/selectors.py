"""Reads of data requests and deliveries, scoped per user (security R2)."""

from .constants import DeliveryStatus, Source
from .models import Delivery


def project_has_accepted_bag_delivery(*, project) -> bool:
    return Delivery.objects.filter(project=project, source=Source.BAG, status=DeliveryStatus.GEACCEPTEERD).exists()


def project_approved_selection_count(*, project) -> int:
    from datasharing.matching.selectors import approved_selection_count

    return approved_selection_count(project=project)
