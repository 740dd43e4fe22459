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


# --- the data subject's id is stored encrypted (LDV dpl.core.data_subject_id) -------------------


def test_subject_ids_are_stored_encrypted_and_found_by_subject(project_a, projectleider_a):
    from wijkaanpak.core.processing_log import (
        processing_log_for_subject,
        processing_log_subject_decrypt,
        processing_log_subject_token,
    )

    key_a, key_b = "a" * 64, "b" * 64
    for name in ("first", "second"):
        processing_log_write(
            actor=projectleider_a,
            action="view",
            name=name,
            ground="risk_selection",
            project=project_a,
            data_subject_ids=[key_a, key_b],
            data_subject_id_type="adrespseudoniem",
        )
    stored = list(ProcessingLogEntry.objects.values_list("data_subject_id", flat=True))
    assert not {key_a, key_b} & set(stored)
    assert all(value.startswith("v1.") and key_a not in value for value in stored)
    # Deterministic: one token per subject, so the privacy officer can filter without the key.
    assert processing_log_subject_token(key_a, "adrespseudoniem") == stored[0] == stored[2]
    assert [e.name for e in processing_log_for_subject(key_a, "adrespseudoniem")] == [
        "first",
        "second",
    ]
    entry = ProcessingLogEntry.objects.first()
    assert processing_log_subject_decrypt(entry.data_subject_id, entry.data_subject_id_type) in (
        key_a,
        key_b,
    )
    # The type is bound to the token (associated data): another type neither matches nor opens.
    assert processing_log_subject_token(key_a, "eigenaarpseudoniem") != stored[0]
    with pytest.raises(ValueError):
        processing_log_subject_decrypt(stored[0], "eigenaarpseudoniem")
    with pytest.raises(ValueError):
        processing_log_subject_decrypt("v1.bm90LWEtdG9rZW4", "adrespseudoniem")
    assert processing_log_verify() == []


def test_migration_encrypts_older_records_and_links_the_chain_again(project_a, projectleider_a):
    """Records written before 0005 held the pseudonym itself; the migration encrypts them and
    links the chain again, so verification still passes."""
    import importlib

    from django.apps import apps

    from wijkaanpak.core.processing_log import _entry_hash, processing_log_subject_decrypt

    migration = importlib.import_module(
        "wijkaanpak.core.migrations.0005_processing_log_subject_encrypted"
    )
    for name in ("a", "b", "c"):
        processing_log_write(
            actor=projectleider_a,
            action="view",
            name=name,
            ground="risk_selection",
            project=project_a,
            data_subject_ids=[name * 64],
            data_subject_id_type="adrespseudoniem",
        )
    # Make them look as before 0005: plain ids, chain linked over the plain values.
    previous = "0" * 64
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for entry in ProcessingLogEntry.objects.order_by("id"):
            entry.data_subject_id = entry.name * 64
            entry.previous_hash = previous
            entry.entry_hash = _entry_hash(previous, entry)
            previous = entry.entry_hash
            cursor.execute(
                "UPDATE core_processinglogentry SET data_subject_id = %s, previous_hash = %s, "
                "entry_hash = %s WHERE id = %s",
                [entry.data_subject_id, entry.previous_hash, entry.entry_hash, entry.pk],
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        # The rows were inserted in this test's transaction: check their deferred foreign keys
        # now, or PostgreSQL refuses the migration's ALTER TABLE (pending trigger events).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert processing_log_verify() == []

    with connection.schema_editor(atomic=False) as editor:
        migration.encrypt_existing(apps, editor)

    assert processing_log_verify() == []
    for entry in ProcessingLogEntry.objects.order_by("id"):
        assert entry.data_subject_id.startswith("v1.")
        assert processing_log_subject_decrypt(entry.data_subject_id, "adrespseudoniem") == (
            entry.name * 64
        )
    # And the trigger is back: the log is append-only again.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_processinglogentry SET name = 'x'")
