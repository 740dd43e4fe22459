"""The planner's pages: happy paths and their errors beside the field, POST-only forms, the
inspector's read-only evening page, 'Waarom dit adres?' and the start section."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from controls.models import Controleavond, FindingCategory, Team, TeamMember, Visit
from controls.services.evenings import GATE_NO_TEAM, TEAM_NAME_TAKEN
from controls.views.planning import proposal_record_url
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def url(name, project, *args):
    return reverse(f"controls:{name}", args=[project.slug, *args])


def test_projectleider_plans_an_evening_through_the_pages(
    verified_client, projectleider_a, selection_project, approved, inspectors
):
    client = verified_client(projectleider_a)
    project = selection_project
    assert client.get(url("evenings", project)).status_code == 200
    assert client.get(url("evening-create", project)).status_code == 200
    starts = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT19:00")
    response = client.post(
        url("evening-create", project),
        {"starts_at": starts, "meeting_point": ""},
    )
    assert response.status_code == 400
    assert "utrecht-form-field--invalid" in response.content.decode()
    response = client.post(
        url("evening-create", project),
        {"starts_at": starts, "meeting_point": "Buurthuis", "name": "Avond 1"},
    )
    evening = Controleavond.objects.get(project=project, name="Avond 1")
    assert response.status_code == 302 and response.url == url("evening", project, evening.pk)
    assert evening.meeting_x is not None  # the centroid of the approved addresses

    page = client.get(url("evening", project, evening.pk)).content.decode()
    assert GATE_NO_TEAM in page
    for name in ("Team Noord", "Team Zuid"):
        assert (
            client.post(url("team-create", project, evening.pk), {"name": name}).status_code == 302
        )
    response = client.post(url("team-create", project, evening.pk), {"name": "team noord"})
    assert response.status_code == 400 and TEAM_NAME_TAKEN in response.content.decode()
    noord, zuid = Team.objects.filter(evening=evening).order_by("name")
    for team, people in ((noord, ["gemeente", "uwv"]), (zuid, ["politie"])):
        for index, key in enumerate(people):
            data = {"action": "add", "person": inspectors[key].pk}
            if index == 0:
                data["is_lead"] = "on"
            response = client.post(url("team-members", project, evening.pk, team.pk), data)
            assert response.status_code == 302, response.content.decode()
    assert TeamMember.objects.filter(team__evening=evening, is_lead=True).count() == 2

    assert client.get(url("evening-addresses", project, evening.pk)).status_code == 200
    response = client.post(
        url("evening-addresses", project, evening.pk), {"proposals": [p.pk for p in approved]}
    )
    assert response.status_code == 302
    assert client.post(url("routes-plan", project, evening.pk)).status_code == 302
    assert not Visit.objects.filter(evening=evening, route_position__isnull=True).exists()

    visit = Visit.objects.filter(evening=evening, team=noord).order_by("route_position").first()
    response = client.post(
        url("visit-move", project, evening.pk, visit.pk),
        {"action": "move", "team": zuid.pk, "position": 1},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.team_id, visit.route_position) == (zuid.pk, 1)

    response = client.post(url("evening-transition", project, evening.pk), {"target": "voorbereid"})
    assert response.status_code == 302
    evening.refresh_from_db()
    assert evening.status == "voorbereid"
    response = client.post(
        url("evening-transition", project, evening.pk), {"target": "geannuleerd", "reason": ""}
    )
    assert response.status_code == 400 and "Geef een reden op." in response.content.decode()

    before = ProcessingLogEntry.objects.count()
    page = client.get(url("evening", project, evening.pk) + "?adressen=1")
    assert page.status_code == 200
    assert ProcessingLogEntry.objects.count() == before + len(approved)
    assert page["Cache-Control"].startswith("no-store")


def test_inspector_sees_only_their_own_team_read_only(
    verified_client, evening, inspectors, selection_project
):
    client = verified_client(inspectors["politie"])
    page = client.get(url("evening", selection_project, evening.pk)).content.decode()
    own = Visit.objects.filter(evening=evening, team__members__person=inspectors["politie"])
    others = Visit.objects.filter(evening=evening).exclude(pk__in=own.values("pk"))
    assert own.exists() and others.exists()
    for visit in own:
        assert visit.pseudonym in page
    for visit in others:
        assert visit.pseudonym not in page
    assert "Routes plannen" not in page and "Team toevoegen" not in page
    assert client.get(url("evenings", selection_project)).status_code == 404
    other = verified_client(inspectors["other"])
    assert other.get(url("evening", selection_project, evening.pk)).status_code == 404


def test_visit_page_shows_address_and_why(
    verified_client, projectleider_a, evening, selection_project
):
    visit = Visit.objects.filter(evening=evening).first()
    client = verified_client(projectleider_a)
    before = ProcessingLogEntry.objects.count()
    page = client.get(url("visit", selection_project, visit.pk)).content.decode()
    assert ProcessingLogEntry.objects.count() == before + 1
    assert "Waarom dit adres?" in page
    record = proposal_record_url(slug=selection_project.slug, pk=visit.proposal_id)
    if record:
        assert record in page


def test_categories_pages(verified_client, projectleider_a, selection_project):
    client = verified_client(projectleider_a)
    project = selection_project
    assert client.get(url("categories", project)).status_code == 200
    response = client.post(
        url("categories", project), {"label": "Overbewoning", "referral_kind": "handhaving"}
    )
    assert response.status_code == 400 and "Er is al een categorie" in response.content.decode()
    response = client.post(
        url("categories", project), {"label": "Asbest", "referral_kind": "handhaving"}
    )
    assert response.status_code == 302
    category = FindingCategory.objects.get(project=project, label="Asbest")
    assert client.get(url("category", project, category.pk)).status_code == 200
    response = client.post(
        url("category", project, category.pk),
        {"label": "Asbest en gevaarlijke stoffen", "referral_kind": "handhaving"},
    )
    assert response.status_code == 302
    assert client.post(url("category", project, category.pk), {"active": "0"}).status_code == 302
    category.refresh_from_db()
    assert (category.label, category.is_active) == ("Asbest en gevaarlijke stoffen", False)


def test_inspector_start_page_lists_tonight(verified_client, evening, inspectors):
    client = verified_client(inspectors["uwv"])
    page = client.get(reverse("projects:start")).content.decode()
    assert "Mijn controleavonden" in page and "Route van vanavond" in page
    # Tonight's evening leads to the tablet's route (TABLET), a later one to the evening page.
    assert url("route", evening.project, evening.pk) in page
