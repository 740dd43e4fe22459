"""The data subject's id in the processing log is stored encrypted (LDV, R21).

Widens the column for the token and encrypts the ids of records written before, then links the
chain again from the first record that changed (the hash covers the stored value). On
PostgreSQL the append-only trigger is set aside for this one rewrite, inside the migration's
transaction, and an audit event records how many records were rewritten.
"""

from django.db import migrations, models

from wijkaanpak.core.processing_log import (
    GENESIS_HASH,
    SUBJECT_CIPHERTEXT_PREFIX,
    _entry_hash,
    processing_log_subject_token,
)

TRIGGER = "core_processinglog_no_update_delete"


def encrypt_existing(apps, schema_editor):
    entry_model = apps.get_model("core", "ProcessingLogEntry")
    legacy = (
        entry_model.objects.exclude(data_subject_id="")
        .exclude(data_subject_id__startswith=SUBJECT_CIPHERTEXT_PREFIX)
        .order_by("id")
    )
    first = legacy.values_list("id", flat=True).first()
    if first is None:
        return
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE core_processinglogentry DISABLE TRIGGER {TRIGGER}")
    previous = (
        entry_model.objects.filter(id__lt=first)
        .order_by("-id")
        .values_list("entry_hash", flat=True)
        .first()
        or GENESIS_HASH
    )
    rewritten = 0
    for entry in entry_model.objects.filter(id__gte=first).order_by("id").iterator(2000):
        if entry.data_subject_id and not entry.data_subject_id.startswith(SUBJECT_CIPHERTEXT_PREFIX):
            entry.data_subject_id = processing_log_subject_token(
                entry.data_subject_id, entry.data_subject_id_type
            )
            rewritten += 1
        entry.previous_hash = previous
        entry.entry_hash = _entry_hash(previous, entry)
        previous = entry.entry_hash
        # A queryset update: the historical model has no append-only save() guard.
        entry_model.objects.filter(pk=entry.pk).update(
            data_subject_id=entry.data_subject_id,
            previous_hash=entry.previous_hash,
            entry_hash=entry.entry_hash,
        )
    if postgresql:
        schema_editor.execute(f"ALTER TABLE core_processinglogentry ENABLE TRIGGER {TRIGGER}")
    apps.get_model("core", "Event").objects.create(
        kind="processing_log_subjects_encrypted",
        object_type="core.processinglogentry",
        data={"records": rewritten, "from_id": first},
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_enrolment_link")]

    operations = [
        migrations.AlterField(
            model_name="processinglogentry",
            name="data_subject_id",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
