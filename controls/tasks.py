"""Celery tasks of controls. They take ids only (security R17) and call one service each."""

from django.db import OperationalError

import structlog
from celery import shared_task

from .constants import JOB_REFERRALS_MARK_OVERDUE
from .services.referrals import referrals_mark_overdue

logger = structlog.get_logger(__name__)


@shared_task(
    name=JOB_REFERRALS_MARK_OVERDUE,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def referrals_mark_overdue_task() -> int:
    """Scheduled by Celery beat (settings.CELERY_BEAT_SCHEDULE): mark the open referrals past
    their term overdue. Idempotent: a referral is marked (and its Event written) once."""
    marked = referrals_mark_overdue()
    logger.info("referrals_mark_overdue_finished", marked=marked)
    return marked
