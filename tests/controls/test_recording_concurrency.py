"""Concurrent replays of one submission (R28): ten threads, one finding and one result, the
same answer for each. Threads need committed rows: a transactional database."""

from __future__ import annotations

import threading
import uuid

from django.db import connection, connections

import pytest

from controls.models import Finding, FindingCategory, Visit
from controls.services import recording
from controls.services.recording import finding_record, visit_result_record
from wijkaanpak.core.models import Event


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_store_one_finding_and_one_result(
    evening, inspectors, selection_project
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent inserts need PostgreSQL")
    lead = inspectors["gemeente"]
    visit = (
        Visit.objects.filter(evening=evening, team__members__person=lead)
        .order_by("route_position")
        .first()
    )
    the_category = FindingCategory.objects.get(project=selection_project, code="overbewoning")
    finding_id, result_id = uuid.uuid4(), uuid.uuid4()
    barrier = threading.Barrier(10)
    answers: list = []
    errors: list = []

    def submit():
        try:
            barrier.wait(timeout=10)
            finding = finding_record(
                actor=lead,
                visit=visit,
                category=the_category,
                description="Hennepgeur in het trappenhuis",
                client_id=finding_id,
            )
            result = visit_result_record(
                actor=lead,
                visit=visit,
                result="toegang_geweigerd",
                residents_found=None,
                notes="",
                client_id=result_id,
                expected_version=1,
            )
            answers.append((finding.finding.pk, result.visit.pk, result.visit.version))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(answers) == 10
    assert len(set(answers)) == 1
    assert Finding.objects.filter(client_id=finding_id).count() == 1
    assert Visit.objects.get(pk=visit.pk).version == 2
    assert Event.objects.filter(kind=recording.EVENT_FINDING).count() == 1
    assert Event.objects.filter(kind=recording.EVENT_RESULT).count() == 1
