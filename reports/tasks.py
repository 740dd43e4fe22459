"""Celery task of reports: ids only, one service (style rule 8)."""

from __future__ import annotations

from django.db import OperationalError

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def report_generate_task(self, report_id: int) -> str:
    return services.report_generate(report_id=report_id).status
