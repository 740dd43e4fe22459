"""Shared fixtures: named people per role on two projects × two partner organisations.

`project_a` and `project_b` belong to two municipalities; each has the municipality and a
national partner (UWV for A, Belastingdienst for B) with valid convenants. Each fixture user
holds one role in one project; the app-specific conftest files build on these.
"""

import pytest

from tests.factories import (
    ConvenantFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    member,
)
from tests.figures import FIGURES, figure_add, figures_lines, figures_write


@pytest.fixture
def gemeente_a(db):
    return OrganisationFactory(name="Gemeente Aadorp", kind="gemeente", gemeentecode="0001")


@pytest.fixture
def gemeente_b(db):
    return OrganisationFactory(name="Gemeente Bedorp", kind="gemeente", gemeentecode="0002")


@pytest.fixture
def uwv(db):
    return OrganisationFactory(name="UWV", kind="uwv")


@pytest.fixture
def belastingdienst(db):
    return OrganisationFactory(name="Belastingdienst", kind="belastingdienst")


@pytest.fixture
def vng(db):
    return OrganisationFactory(name="VNG Naleving", kind="vng_naleving")


@pytest.fixture
def convenants(gemeente_a, gemeente_b, uwv, belastingdienst, vng):
    return [
        ConvenantFactory(organisation=org)
        for org in (gemeente_a, gemeente_b, uwv, belastingdienst, vng)
    ]


@pytest.fixture
def projectleider_a(gemeente_a):
    return UserFactory(username="pl_a", organisation=gemeente_a)


@pytest.fixture
def projectleider_b(gemeente_b):
    return UserFactory(username="pl_b", organisation=gemeente_b)


@pytest.fixture
def project_a(projectleider_a, convenants, uwv):
    return ProjectFactory(created_by=projectleider_a, partners=[uwv])


@pytest.fixture
def project_b(projectleider_b, convenants, belastingdienst):
    return ProjectFactory(created_by=projectleider_b, partners=[belastingdienst])


# --- People per role on project A (issue #2). Each holds one role through partners.services. ---


@pytest.fixture
def analist_a(project_a, gemeente_a):
    return member(project_a, "analist_a", gemeente_a, "analist")


@pytest.fixture
def inspecteur_a(project_a, uwv):
    return member(project_a, "inspecteur_a", uwv, "inspecteur")


@pytest.fixture
def behandelaar_a(project_a, uwv):
    return member(project_a, "behandelaar_a", uwv, "behandelaar")


@pytest.fixture
def adviseur_a(project_a, vng):
    from projects.services import project_partner_add, role_grant

    project_partner_add(actor=project_a.created_by, project=project_a, organisation=vng)
    person = UserFactory(username="adviseur_a", organisation=vng)
    role_grant(actor=project_a.created_by, project=project_a, person=person, role="adviseur")
    return person


@pytest.fixture
def leverancier_a(project_a, uwv):
    """UWV's leverancier on project A: delivers UWV's files, sees UWV's requests only."""
    return member(project_a, "leverancier_a", uwv, "leverancier")


@pytest.fixture
def superuser_a(gemeente_a):
    """Superuser (and staff) status, of project A's municipality, and no role anywhere: sees
    no project's data (style rule 16)."""
    return UserFactory(
        username="superuser_a", organisation=gemeente_a, is_superuser=True, is_staff=True
    )


@pytest.fixture
def verified_client(client):
    """`verified_client(user)` logs the test client in with password and second factor."""
    from tests.factories import login_verified

    def _login(user):
        return login_verified(client, user)

    return _login


# --- the measured security figures (tests/figures.py) ---

# Property tests of input handling: each generated input is one bad or arbitrary input tried.
PROPERTY_INPUT_MODULES = (
    "tests/datasharing/test_intake_",
    "tests/security/",
    "tests/core/test_exports",
)


def pytest_collection_modifyitems(items):
    for item in items:
        function = getattr(item, "obj", None)
        hypothesis = getattr(function, "hypothesis", None)
        path = str(item.path.relative_to(item.config.rootpath))
        if hypothesis is None or not path.startswith(PROPERTY_INPUT_MODULES):
            continue
        inner = hypothesis.inner_test
        if getattr(inner, "counts_inputs", False):
            continue

        def counted(*args, _inner=inner, **kwargs):
            figure_add("property_inputs")
            return _inner(*args, **kwargs)

        counted.counts_inputs = True
        hypothesis.inner_test = counted


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("security figures, measured in this run (tests/figures.py)")
    for line in figures_lines():
        terminalreporter.write_line(line)
    figures_write()
