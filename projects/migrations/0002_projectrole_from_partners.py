"""ProjectRole moves here from partners (style rule 15), without losing a row.

The model enters the state on its old table (SeparateDatabaseAndState), then AlterModelTable
renames the table to projects_projectrole. Its content type (which its default permissions
hang on) and the audit events that point at roles follow the new app label.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD, NEW = "partners.projectrole", "projects.projectrole"


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    event = apps.get_model("core", "Event")
    old_app, model = old.split(".")
    new_app, _ = new.split(".")
    if not content_type.objects.filter(app_label=new_app, model=model).exists():
        content_type.objects.filter(app_label=old_app, model=model).update(app_label=new_app)
    event.objects.filter(object_type=old).update(object_type=new)


def forwards(apps, schema_editor):
    _relabel(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _relabel(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_processing_log_append_only"),
        ("partners", "0003_projectrole_to_projects"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProjectRole",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("projectleider", "Projectleider"),
                                    ("analist", "Analist"),
                                    ("inspecteur", "Inspecteur"),
                                    ("behandelaar", "Behandelaar"),
                                    ("adviseur", "Adviseur (VNG Naleving)"),
                                ],
                                max_length=20,
                                verbose_name="rol",
                            ),
                        ),
                        ("started_at", models.DateTimeField(auto_now_add=True, verbose_name="gestart")),
                        (
                            "ended_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="beëindigd"),
                        ),
                        (
                            "granted_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="project_roles",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="persoon",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="roles",
                                to="projects.project",
                                verbose_name="project",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "projectrol",
                        "verbose_name_plural": "projectrollen",
                        "ordering": ["project", "person__last_name", "role"],
                        "db_table": "partners_projectrole",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("ended_at__isnull", True)),
                                fields=("project", "person", "role"),
                                name="one_active_role_per_person",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="projectrole", table=None),
        migrations.RunPython(forwards, backwards),
    ]
