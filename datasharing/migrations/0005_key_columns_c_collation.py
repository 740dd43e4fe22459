"""On PostgreSQL, compare pseudonym keys bytewise (COLLATE "C").

The keys are lower-case hex, so the order is the same as under the default collation, but
bytewise comparison makes index builds at intake and joins in matching markedly cheaper.
SQLite already compares bytewise. A later AlterField on one of these columns must repeat this.
"""

from django.db import migrations

KEY_COLUMNS = {
    "datasharing_bagrecord": ["address_key", "nummeraanduiding_key"],
    "datasharing_brprecord": ["person_key", "address_key", "nummeraanduiding_key"],
    "datasharing_uitkeringrecord": ["person_key"],
    "datasharing_toeslagrecord": ["person_key", "partner_key"],
    "datasharing_huurrecord": ["address_key", "nummeraanduiding_key", "huurder_key"],
    "datasharing_kvkrecord": ["kvk_key", "address_key", "nummeraanduiding_key"],
    "datasharing_energierecord": ["address_key", "nummeraanduiding_key"],
    "datasharing_signaalrecord": ["address_key", "nummeraanduiding_key"],
    "datasharing_addressvaultentry": ["address_key"],
}


def _alter(schema_editor, collation: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in KEY_COLUMNS.items():
        for column in columns:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar(64) COLLATE {collation}'
            )


def forwards(apps, schema_editor):
    _alter(schema_editor, '"C"')


def backwards(apps, schema_editor):
    _alter(schema_editor, '"default"')


class Migration(migrations.Migration):
    dependencies = [("datasharing", "0004_record_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
