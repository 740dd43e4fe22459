"""ProjectRole moved from partners to projects without losing a row (issue 10, item 1).

Migrates back to the last state with the role in partners, writes a role, its audit event and
its content type there, migrates forward and finds them under projects.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("partners", "0002_initial"), ("projects", "0001_initial"), ("core", "0003_processing_log_append_only")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_projectrole_rows_survive_the_move():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)
    try:
        organisation = old.get_model("partners", "Organisation").objects.create(
            name="Gemeente Migratie", kind="gemeente"
        )
        person = old.get_model("partners", "User").objects.create(
            username="migratie", organisation=organisation
        )
        project = old.get_model("projects", "Project").objects.create(
            municipality=organisation, name="Migratie", slug="migratie"
        )
        role = old.get_model("partners", "ProjectRole").objects.create(
            project=project, person=person, role="projectleider"
        )
        old.get_model("core", "Event").objects.create(
            kind="role_granted", object_type="partners.projectrole", object_id=str(role.pk)
        )
        content_type = old.get_model("contenttypes", "ContentType")
        content_type.objects.get_or_create(app_label="partners", model="projectrole")

        new = _migrate(latest)

        moved = new.get_model("projects", "ProjectRole").objects.get(pk=role.pk)
        assert (moved.project_id, moved.person_id, moved.role) == (project.pk, person.pk, "projectleider")
        assert moved._meta.db_table == "projects_projectrole"
        assert new.get_model("core", "Event").objects.get(object_id=str(role.pk)).object_type == (
            "projects.projectrole"
        )
        relabelled = new.get_model("contenttypes", "ContentType").objects
        assert relabelled.filter(app_label="projects", model="projectrole").exists()
        assert not relabelled.filter(app_label="partners", model="projectrole").exists()
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        assert "projects_projectrole" in tables and "partners_projectrole" not in tables
    finally:
        _migrate(latest)
