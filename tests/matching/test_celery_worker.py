"""A matching run through a REAL Celery worker (prefork, 2 processes) on Redis and PostgreSQL."""

from __future__ import annotations

import pytest

from datasharing.matching import services
from datasharing.matching.models import IndicatorResult, MatchingChunk, MatchingRun, RiskAddress
from tests.celery_worker import celery_worker, wait_for  # noqa: F401 - fixture

from .conftest import deliver, expected_fired

pytestmark = [pytest.mark.celery_worker]


def finished(run_id):
    run = MatchingRun.objects.get(pk=run_id)
    return run if run.status not in ("queued", "running") else None


def test_run_through_a_real_worker(
    celery_worker,  # noqa: F811 - the fixture imported above
    uitvraag_project,
    projectleider_a,
    partner_orgs,
    analist_a,
):
    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
    )
    run = services.matching_run_start(actor=analist_a, project=uitvraag_project, chunk_count=2)
    run = wait_for(lambda: finished(run.pk), timeout=120)
    assert run.status == "succeeded", run.error
    assert run.is_current and run.progress == 100
    assert MatchingChunk.objects.filter(run=run).count() == 2
    assert RiskAddress.objects.filter(run=run).count() == 300
    expected = expected_fired()
    assert run.risk_address_count == len(expected)
    assert IndicatorResult.objects.filter(run=run, status="fired").count() == sum(
        map(len, expected.values())
    )
