"""`manage.py load_demo` builds the demo through the services and is idempotent."""

from io import StringIO

from django.core.management import call_command

import pytest

from partners.models import User
from projects.constants import Phase
from projects.demo import DEMO_PASSWORD, DEMO_PROJECT_SLUGS, DEMO_USERNAMES
from projects.models import PhaseTransition, Project
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def test_load_demo_twice_changes_nothing():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert DEMO_PASSWORD in out.getvalue()
    assert len(DEMO_PASSWORD) >= 12
    phases = {slug: Project.objects.get(slug=slug).phase for slug in DEMO_PROJECT_SLUGS.values()}
    # The matching demo (datasharing.matching.demo) takes the data-uitvraag project on to selectie.
    expected = {slug: phase for phase, slug in DEMO_PROJECT_SLUGS.items()}
    expected[DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]] = Phase.SELECTIE
    assert phases == expected
    for username in DEMO_USERNAMES:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    counts = (Event.objects.count(), PhaseTransition.objects.count(), Project.objects.count())

    call_command("load_demo", stdout=StringIO())

    assert (
        Event.objects.count(),
        PhaseTransition.objects.count(),
        Project.objects.count(),
    ) == counts
    assert Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).phase == Phase.SELECTIE


def test_demo_deliverers_are_leveranciers_and_the_administrator_has_no_role():
    """Issue 8 items 1 and 4: `leverancier_*` deliver in the role leverancier (no analist
    role, so no risk list); `beheerder` is staff without superuser status and without a role."""
    from projects.constants import Role
    from projects.models import ProjectRole

    call_command("load_demo", stdout=StringIO())
    deliverers = User.objects.filter(username__startswith="leverancier_")
    assert deliverers.count() == 5
    for person in deliverers:
        roles = set(
            ProjectRole.objects.active().filter(person=person).values_list("role", flat=True)
        )
        assert roles == {Role.LEVERANCIER}, person.username
    beheerder = User.objects.get(username="beheerder")
    assert beheerder.is_staff and not beheerder.is_superuser
    assert beheerder.check_password(DEMO_PASSWORD)
    assert not ProjectRole.objects.filter(person=beheerder).exists()


def test_the_demo_flags_an_indicator_with_a_low_hit_rate(client):
    """The finished evening visits more than 20 addresses where overbewoning fired (under the
    demo's wider norm), with findings at few of them: the projectleider's dashboard and the
    method page's panel flag it, a decision still to take."""
    from django.urls import reverse

    from datasharing.matching.services import indicator_settings_for
    from reports.constants import HIT_RATE_MIN_VISITS
    from reports.selectors import hit_rates_for_project
    from tests.factories import login_verified

    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG])
    enabled = indicator_settings_for(project=project).enabled
    flagged = [
        row for row in hit_rates_for_project(project=project, enabled=enabled) if row.flagged
    ]
    assert [row.code for row in flagged] == ["OVERBEWONING"]
    assert flagged[0].visited >= HIT_RATE_MIN_VISITS and flagged[0].needs_decision
    decide = reverse("reports:indicator-decide", args=[project.slug, "OVERBEWONING"])
    login_verified(client, User.objects.get(username="projectleider"))
    for name in ("reports:dashboard", "reports:hit-rate-panel"):
        page = client.get(reverse(name, kwargs={"slug": project.slug}))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Onder 50 %" in html and decide in html, name
