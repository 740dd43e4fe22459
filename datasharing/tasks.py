"""Celery tasks of data sharing. They take ids only — never row data (security R17) — and call
one service each."""

from django.db import OperationalError

import structlog
from celery import shared_task

from datasharing.services import deliveries_stuck_requeue, delivery_process, retention_enforce

logger = structlog.get_logger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    # Nobody waits for its result (the delivery's row holds the outcome): queuing it then
    # needs the broker only, not the result backend's subscription, which after a Redis
    # outage stays broken in the sending process (celery.backends.redis ResultConsumer).
    ignore_result=True,
)
def delivery_process_task(self, delivery_id: int) -> str:
    """Validate and pseudonymise one delivery; idempotent (a processed delivery is left alone)."""
    delivery = delivery_process(delivery_id=int(delivery_id))
    return delivery.status


@shared_task(acks_late=True)
def retention_enforce_task() -> int:
    """Scheduled by Celery beat (settings.CELERY_BEAT_SCHEDULE): apply the retention rules."""
    records = retention_enforce()
    logger.info("retention_enforce_finished", destructions=len(records))
    return len(records)


@shared_task(acks_late=True, ignore_result=True)
def deliveries_stuck_requeue_task() -> int:
    """Scheduled by Celery beat: queue again what is still `ontvangen` (issue 8 item 5)."""
    requeued = deliveries_stuck_requeue()
    logger.info("deliveries_stuck_requeued", deliveries=len(requeued))
    return len(requeued)
