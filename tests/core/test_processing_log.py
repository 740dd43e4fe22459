"""The processing log: one record per data subject, hash-chained, append-only (R21/R22)."""

from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

import pytest

from wijkaanpak.core.models import ProcessingLogEntry
from wijkaanpak.core.processing_log import processing_log_verify, processing_log_write

pytestmark = pytest.mark.django_db


def test_one_record_per_data_subject_with_ldv_fields(project_a, projectleider_a):
    entries = processing_log_write(
        actor=projectleider_a,
        action="view",
        name="risk_list.view",
        ground="risk_selection",
        project=project_a,
        data_subject_ids=["a" * 64, "b" * 64, "a" * 64],
        data_subject_id_type="adres",
    )
    assert len(entries) == 2
    for entry in ProcessingLogEntry.objects.all():
        assert len(entry.trace_id) == 32 and len(entry.operation_id) == 16
        assert entry.status_code == ProcessingLogEntry.Status.OK
        assert entry.processing_activity_id.endswith("#risk_selection")
        assert entry.actor == projectleider_a and entry.project == project_a
        assert entry.started_at <= entry.ended_at
    # Both records of one call share the trace but have their own operation.
    first, second = ProcessingLogEntry.objects.all()
    assert first.trace_id == second.trace_id and first.operation_id != second.operation_id


def test_unknown_ground_is_refused(projectleider_a):
    with pytest.raises(ValueError):
        processing_log_write(actor=projectleider_a, action="view", name="x", ground="curiosity")


def test_chain_detects_a_tampered_record(project_a, projectleider_a):
    for n in range(3):
        processing_log_write(
            actor=projectleider_a,
            action="view",
            name=f"n{n}",
            ground="lsi_project",
            project=project_a,
        )
    assert processing_log_verify() == []
    call_command("processing_log_verify")
    middle = ProcessingLogEntry.objects.order_by("id")[1]
    # Tampering needs the trigger out of the way, as a database superuser could do.
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE core_processinglogentry SET name = 'forged' WHERE id = %s", [middle.pk]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    assert processing_log_verify() == [middle.pk]
    with pytest.raises(CommandError):
        call_command("processing_log_verify")


def test_database_refuses_update_and_delete(project_a, projectleider_a):
    processing_log_write(
        actor=projectleider_a, action="view", name="n", ground="lsi_project", project=project_a
    )
    for statement in (
        "UPDATE core_processinglogentry SET name = 'x'",
        "DELETE FROM core_processinglogentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert ProcessingLogEntry.objects.filter(name="n").count() == 1


def test_model_refuses_update_and_delete(project_a, projectleider_a):
    [entry] = processing_log_write(
        actor=projectleider_a, action="view", name="n", ground="lsi_project"
    )
    entry = ProcessingLogEntry.objects.get(pk=entry.pk)
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
