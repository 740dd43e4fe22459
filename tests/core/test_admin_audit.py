"""Superuser and staff status are never project data access; the admin is audited (issue 8
item 1, style rule 16, security R7).

1. Every change made through the admin (a person added, changed, a password set; an
   organisation changed) writes exactly one audit event, as the services do: every ModelAdmin
   of the site is a `wijkaanpak.core.admin.AuditedAdmin`.
2. The person form cannot make a superuser, nor hand out groups or permissions: a POST that
   tries leaves the person as they were.
3. The admin shows no project's personal data: selection proposals and re-identifications
   (pseudonymised addresses) are not in it.
4. Code: every guardian query passes `with_superuser=False`; the guardian helpers that let a
   superuser through (`get_perms`, `ObjectPermissionChecker`) and `has_perm` on a person are not
   used by any app (a static scan).

The superuser-without-role and staff rows of the access matrix (tests/access_matrix.py) show
the 404 on every project URL; tests/core/test_superuser_no_data.py what a superuser sees.
"""

import ast
from pathlib import Path

from django.contrib import admin
from django.urls import reverse

import pytest

from partners.models import Organisation, User
from tests.factories import UserFactory, login_verified
from wijkaanpak.core.admin import AuditedAdmin
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = (
    "wijkaanpak",
    "partners",
    "projects",
    "datasharing",
    "controls",
    "reports",
    "privacy",
)


@pytest.fixture
def superuser(gemeente_a):
    return UserFactory(
        username="supergebruiker", organisation=gemeente_a, is_superuser=True, is_staff=True
    )


@pytest.fixture
def admin_client(client, superuser):
    return login_verified(client, superuser)


def _admin_events(kind_prefix: str = "admin_") -> list[tuple[str, str, dict]]:
    return list(
        Event.objects.filter(kind__startswith=kind_prefix)
        .order_by("id")
        .values_list("kind", "object_id", "data")
    )


def _person_form(person: User, **changes) -> dict:
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "organisation": person.organisation_id or "",
        "is_active": "on",
        "_save": "Opslaan",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_every_model_admin_of_the_site_is_audited():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert unaudited == []


def test_the_person_form_offers_no_superuser_groups_or_permissions(admin_client, gemeente_a):
    person = UserFactory(username="medewerker", organisation=gemeente_a)
    page = admin_client.get(reverse("admin:partners_user_change", args=[person.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(form.fields)
    assert "is_staff" in form.fields and "is_active" in form.fields


def test_a_post_cannot_make_a_superuser_or_grant_groups_or_permissions(
    admin_client, superuser, gemeente_a
):
    from django.contrib.auth.models import Group, Permission

    person = UserFactory(username="medewerker", organisation=gemeente_a)
    group = Group.objects.create(name="alles")
    group.permissions.add(*Permission.objects.all())
    url = reverse("admin:partners_user_change", args=[person.pk])
    response = admin_client.post(
        url,
        _person_form(
            person,
            first_name="Nieuw",
            is_superuser="on",
            groups=[group.pk],
            user_permissions=[p.pk for p in Permission.objects.all()[:5]],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.first_name == "Nieuw"  # the form was saved …
    assert not person.is_superuser  # … without what it does not offer
    assert not person.groups.exists() and not person.user_permissions.exists()
    assert _admin_events() == [("admin_user_changed", str(person.pk), {"fields": ["First name"]})]
    event = Event.objects.get(kind="admin_user_changed")
    assert event.actor == superuser and event.object_type == "partners.user"


def test_adding_a_person_and_setting_a_password_are_audited(admin_client, gemeente_a):
    response = admin_client.post(
        reverse("admin:partners_user_add"),
        {
            "username": "nieuwe_collega",
            "organisation": gemeente_a.pk,
            "password1": "een-lang-en-sterk-wachtwoord-2026",
            "password2": "een-lang-en-sterk-wachtwoord-2026",
            "usable_password": "true",
            "_save": "Opslaan",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(username="nieuwe_collega")
    assert [kind for kind, *_ in _admin_events()] == ["admin_user_added"]

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {
            "password1": "nog-een-lang-en-sterk-wachtwoord",
            "password2": "nog-een-lang-en-sterk-wachtwoord",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    kinds = [kind for kind, *_ in _admin_events()]
    assert kinds == ["admin_user_added", "admin_user_changed"]
    # The event names the change, never the value (no password, no hash).
    data = Event.objects.filter(kind="admin_user_changed").get().data
    assert "nog-een-lang" not in str(data) and "pbkdf2" not in str(data)


def test_changing_an_organisation_is_audited(admin_client, uwv):
    response = admin_client.post(
        reverse("admin:partners_organisation_change", args=[uwv.pk]),
        {"name": "UWV Oost", "kind": uwv.kind, "gemeentecode": "", "_save": "Opslaan"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organisation.objects.get(pk=uwv.pk).name == "UWV Oost"
    assert _admin_events() == [("admin_organisation_changed", str(uwv.pk), {"fields": ["Naam"]})]


def test_a_staff_member_without_a_role_is_audited_too(client, gemeente_a):
    """A functional administrator (staff with the admin's permissions, not a superuser)."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="beheerder", organisation=gemeente_a, is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    person = UserFactory(username="medewerker", organisation=gemeente_a)
    login_verified(client, staff)
    response = client.post(
        reverse("admin:partners_user_change", args=[person.pk]),
        _person_form(person, last_name="Anders", is_superuser="on"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Anders" and not person.is_superuser
    event = Event.objects.get(kind="admin_user_changed")
    assert event.actor == staff and event.data == {"fields": ["Last name"]}


def test_the_admin_shows_no_selection_proposal_or_reidentification():
    from datasharing.matching.models import Reidentification, SelectionProposal

    assert not admin.site.is_registered(SelectionProposal)
    assert not admin.site.is_registered(Reidentification)


# --- the code: no path by which superuser status reaches project data ---

# Guardian helpers that answer "everything" for a superuser, whatever the object permissions.
SUPERUSER_BLIND = {"get_perms", "ObjectPermissionChecker"}
# `has_perm` on a person is True for a superuser: only for the admin's own functional
# permissions (issuing enrolment links and API clients), never for a project.
HAS_PERM_ALLOWED = {"wijkaanpak/core/services.py", "partners/services.py"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


def _app_python_files():
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def guardian_superuser_paths(paths) -> list[str]:
    """Call sites by which superuser status could stand in for a role (rule 16)."""
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for name, node in _calls(tree):
            site = f"{where}:{node.lineno} {name}"
            if name == "get_objects_for_user":
                flags = {k.arg: k.value for k in node.keywords}
                value = flags.get("with_superuser")
                if not (isinstance(value, ast.Constant) and value.value is False):
                    found.append(f"{site} without with_superuser=False")
                for flag in ("accept_global_perms", "use_groups"):
                    value = flags.get(flag)
                    if not (isinstance(value, ast.Constant) and value.value is False):
                        found.append(f"{site} without {flag}=False")
            elif name in SUPERUSER_BLIND:
                found.append(site)
            elif name == "has_perm" and str(where) not in HAS_PERM_ALLOWED:
                found.append(site)
    return found


def test_the_scanner_finds_each_superuser_path(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "get_objects_for_user(user, 'p', klass=K)\n"
        "get_objects_for_user(user, 'p', klass=K, with_superuser=False, use_groups=False,"
        " accept_global_perms=False)\n"
        "get_perms(user, project)\n"
        "ObjectPermissionChecker(user).has_perm('p', project)\n"
        "user.has_perm('projects.view_project', project)\n"
    )
    sites = guardian_superuser_paths([sample])
    lines = sorted(int(site.split(" ", 1)[0].rsplit(":", 1)[1]) for site in sites)
    assert lines == [1, 1, 1, 3, 4, 4, 5]


def test_no_app_lets_superuser_status_stand_in_for_a_role():
    assert guardian_superuser_paths(_app_python_files()) == []
