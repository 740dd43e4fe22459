"""The controls demo (issue 11 item 8): a finished evening with results and findings in most
categories, an evening tonight with two mixed teams and planned routes that the demo
`inspecteur` is in; made through the services; a second load changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from controls.constants import DEFAULT_FINDING_CATEGORIES
from controls.models import Controleavond, Finding, Team, Visit
from controls.selectors.evenings import evenings_tonight_for_inspector, visit_list_for_user
from partners.models import User
from projects.constants import Phase
from projects.demo import DEMO_PROJECT_SLUGS
from projects.models import Project
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_evening_and_tonight_for_the_inspecteur():
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG])
    inspecteur = User.objects.get(username="inspecteur")

    finished = Controleavond.objects.get(project=project, status="afgerond")
    visits = Visit.objects.filter(evening=finished)
    assert visits.count() >= 4 and not visits.filter(result="").exists()
    used = set(
        Finding.objects.filter(visit__evening=finished).values_list("category__code", flat=True)
    )
    assert len(used) >= len(DEFAULT_FINDING_CATEGORIES) - 2  # most categories
    assert Event.objects.filter(kind="finding_recorded").count() == Finding.objects.count()

    tonight = evenings_tonight_for_inspector(user=inspecteur, day=timezone.localdate())
    assert len(tonight) == 1
    evening = tonight[0]
    assert evening.status == "voorbereid"
    teams = list(Team.objects.filter(evening=evening).prefetch_related("members__person"))
    assert len(teams) == 2
    for team in teams:
        organisations = {m.person.organisation_id for m in team.members.all()}
        assert len(organisations) >= 2  # mixed teams
        assert sum(m.is_lead for m in team.members.all()) == 1
        assert team.route_distance_m > 0
    own = list(visit_list_for_user(user=inspecteur, evening=evening))
    assert own and all(v.route_position for v in own)
    assert Visit.objects.filter(evening=evening, route_position__isnull=True).count() == 0

    counts = (Event.objects.count(), Controleavond.objects.count(), Finding.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Event.objects.count(), Controleavond.objects.count(), Finding.objects.count()) == counts
