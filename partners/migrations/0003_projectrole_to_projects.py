"""ProjectRole moves to projects (style rule 15). State only: projects.0002 takes the table over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ProjectRole")],
            database_operations=[],
        ),
    ]
