"""A tussenrapportage made by a REAL Celery worker on Redis and PostgreSQL: the job is queued by
name (wijkaanpak.core.jobs) and the version moves queued → running → ready."""

from __future__ import annotations

import pytest

from reports import services
from reports.constants import ReportKind, ReportStatus
from reports.models import ReportVersion
from tests.celery_worker import celery_worker, wait_for  # noqa: F401 - fixture

pytestmark = [pytest.mark.celery_worker]


def test_report_through_a_real_worker(celery_worker, reported, projectleider_a):  # noqa: F811
    version = services.report_request(
        actor=projectleider_a, project=reported, kind=ReportKind.TUSSENRAPPORTAGE
    )

    def finished():
        current = ReportVersion.objects.get(pk=version.pk)
        return current if current.status not in ("queued", "running") else None

    done = wait_for(finished, timeout=180)
    assert (done.status, done.progress) == (ReportStatus.READY, 100), done.error
    assert done.size_bytes > 10_000 and done.file.name.endswith(".pdf")
