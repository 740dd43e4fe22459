"""Partner scoping (issue 8 item 4): a delivery, its validation report and its data request are
seen by the delivering organisation's people, the project's municipal analysts and its
projectleider — nobody else; lists and counts never reveal another partner's requests.

The access matrix (tests/access_matrix.py) tries every URL's status across both partners of
project A; this module reads what the pages *show*: the data request list, the start page and
the selectors behind them, for every person of the matrix's cast, and the superuser and staff
accounts without a role (issue 8 item 1: superuser status is never data access).
"""

import re

from django.urls import reverse

import pytest

from datasharing import selectors
from datasharing.matching.models import Reidentification
from datasharing.models import DataRequest, Delivery
from tests.access_setup import matrix_world
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db

DELIVERY_LINK = re.compile(r'href="/gegevens/leveringen/(\d+)/"')


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


def _project_a(world):
    return world.own.project


def _deliveries_by_organisation(world) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for delivery in Delivery.objects.filter(project=_project_a(world)):
        found.setdefault(delivery.organisation_id, set()).add(delivery.pk)
    return found


# role -> the organisations whose requests and deliveries the person sees in project A
def _expected_organisations(world, role: str) -> set[int] | None:
    everything = set(
        DataRequest.objects.filter(project=_project_a(world)).values_list(
            "organisation_id", flat=True
        )
    )
    person = world.people[role]
    return {
        "projectleider": everything,
        "analist": everything,
        "partner_analist": {person.organisation_id},
        "leverancier": {person.organisation_id},
        "leverancier_bd": {person.organisation_id},
    }.get(role)


SCOPED_ROLES = ("projectleider", "analist", "partner_analist", "leverancier", "leverancier_bd")
NO_ACCESS_ROLES = ("inspecteur", "behandelaar", "adviseur", "superuser", "staff")


def _delivery_url(pk: int) -> str:
    return reverse("datasharing:delivery-detail", kwargs={"pk": pk})


def test_the_delivery_link_pattern_matches_the_url():
    assert DELIVERY_LINK.search(f'href="{_delivery_url(7)}"').group(1) == "7"


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_the_request_list_shows_only_what_the_person_may_see(client, world, role):
    project = _project_a(world)
    person = world.people[role]
    expected = _expected_organisations(world, role)
    world.log_in(client, person)
    page = client.get(reverse("datasharing:request-list", kwargs={"slug": project.slug}))
    assert page.status_code == 200
    shown = page.context["data_requests"]
    assert {r.organisation_id for r in shown} == expected
    # Counts too: each request's delivery count is over its own deliveries only, and the
    # number of requests is the number addressed to the organisations seen.
    assert (
        len(shown)
        == DataRequest.objects.filter(project=project, organisation_id__in=expected).count()
    )
    body = page.content.decode()
    linked = {int(pk) for pk in DELIVERY_LINK.findall(body)}
    visible = set().union(*(_deliveries_by_organisation(world).get(o, set()) for o in expected))
    assert linked and linked <= visible
    for organisation_id, deliveries in _deliveries_by_organisation(world).items():
        if organisation_id not in expected:
            assert not linked & deliveries, (role, organisation_id)
    # Every delivery the page links to opens; every other partner's gives 404 (both ways).
    for organisation_id, deliveries in _deliveries_by_organisation(world).items():
        for pk in deliveries:
            status = client.get(_delivery_url(pk)).status_code
            assert status == (200 if organisation_id in expected else 404), (role, pk)


@pytest.mark.parametrize("role", SCOPED_ROLES + NO_ACCESS_ROLES)
def test_the_selectors_give_one_answer_for_every_page(world, role):
    """The list, the single lookup and the deliverer's start section agree with the rule."""
    from django.http import Http404

    project = _project_a(world)
    person = world.people[role]
    expected = _expected_organisations(world, role) or set()
    listed = selectors.data_request_list_for_user(user=person, project=project)
    assert {r.organisation_id for r in listed} == expected
    for delivery in Delivery.objects.filter(project=project):
        if delivery.organisation_id in expected:
            assert selectors.delivery_get_for_user(user=person, pk=delivery.pk) == delivery
        else:
            with pytest.raises(Http404):
                selectors.delivery_get_for_user(user=person, pk=delivery.pk)
    to_deliver = selectors.data_requests_to_deliver(user=person, project_ids=[project.pk])
    own = {r.organisation_id for r in to_deliver}
    assert own <= {person.organisation_id}
    if role in NO_ACCESS_ROLES:
        assert own == set()


def test_a_leverancier_starts_on_their_own_requests_and_sees_no_risk_list(client, world):
    project = _project_a(world)
    person = world.people["leverancier_bd"]
    world.log_in(client, person)
    page = client.get(reverse("projects:start"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mijn uitvragen" in body
    own = DataRequest.objects.filter(project=project, organisation=person.organisation)
    others = DataRequest.objects.filter(project=project).exclude(organisation=person.organisation)
    assert own.exists() and others.exists()
    for data_request in own:
        assert reverse("datasharing:delivery-upload", args=[project.slug, data_request.pk]) in body
    for data_request in others:
        assert (
            reverse("datasharing:delivery-upload", args=[project.slug, data_request.pk]) not in body
        )
    menu = client.get(reverse("projects:detail", kwargs={"slug": project.slug})).content.decode()
    assert reverse("datasharing:request-list", kwargs={"slug": project.slug}) in menu
    for name in ("matching:risks", "matching:proposals", "matching:runs", "matching:selection"):
        assert reverse(name, kwargs={"slug": project.slug}) not in menu, name
        assert client.get(reverse(name, kwargs={"slug": project.slug})).status_code == 404


@pytest.mark.parametrize("role", ("superuser", "staff"))
def test_superuser_or_staff_without_a_role_sees_no_project_and_cannot_reidentify(
    client, world, role
):
    """Issue 8 item 1: a superuser with no role opened the risk list and re-identified an
    address; now nothing of a project shows, and nothing is re-identified or logged."""
    project = _project_a(world)
    person = world.people[role]
    world.log_in(client, person)
    for name in ("projects:start", "projects:list"):
        body = client.get(reverse(name)).content.decode()
        assert project.name not in body and world.other.project.name not in body
    assert client.get(reverse("matching:risks", kwargs={"slug": project.slug})).status_code == 404
    reidentifications = Reidentification.objects.count()
    log_entries = ProcessingLogEntry.objects.count()
    url = reverse(
        "matching:reidentify", kwargs={"slug": project.slug, "pk": world.own.extra["approved"].pk}
    )
    response = client.post(url, {"reason": "Even kijken"})
    assert response.status_code == 404
    assert Reidentification.objects.count() == reidentifications
    assert ProcessingLogEntry.objects.count() == log_entries
    # The admin is theirs, and it shows no address or pseudonym of the project either.
    assert client.get(reverse("admin:index")).status_code == 200
