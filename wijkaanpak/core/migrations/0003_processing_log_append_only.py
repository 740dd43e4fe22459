"""On PostgreSQL, refuse UPDATE and DELETE on the processing log at the database (R22).

TRUNCATE stays possible for the test suite's flush between transactional tests; the
application never truncates.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION core_processinglog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'processing log is append-only' USING ERRCODE = '42501';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_processinglog_no_update_delete
    BEFORE UPDATE OR DELETE ON core_processinglogentry
    FOR EACH ROW EXECUTE FUNCTION core_processinglog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_processinglog_no_update_delete ON core_processinglogentry;
DROP FUNCTION IF EXISTS core_processinglog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
