"""Who sees which evenings, visits, addresses and findings (controls.selectors.evenings,
issue 11 item 6, R2/R20/R21): the projectleider everything of the project, an inspector only
their own teams' visits on evenings they take part in, nobody else anything."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.utils import timezone

import pytest

from controls.models import FindingCategory, Visit
from controls.selectors.evenings import (
    NOT_ALLOWED_ADDRESSES,
    evening_get_for_user,
    evening_list_for_user,
    evenings_tonight_for_inspector,
    finding_list_for_user,
    visit_addresses_for_user,
    visit_get_for_user,
    visit_list_for_user,
)
from controls.services.recording import finding_record
from datasharing.pseudonymisation import RealAddress, vault_lookup
from projects.constants import Role
from tests.factories import log_subject, member
from wijkaanpak.core.exceptions import NotPermitted
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def test_evenings_by_role(evening, inspectors, projectleider_a, analist_a, selection_project):
    project = selection_project
    for person in (projectleider_a, inspectors["gemeente"], inspectors["politie"]):
        assert list(evening_list_for_user(user=person, project=project)) == [evening]
        assert evening_get_for_user(user=person, project=project, pk=evening.pk) == evening
    for person in (inspectors["other"], analist_a):
        assert list(evening_list_for_user(user=person, project=project)) == []
        with pytest.raises(Http404):
            evening_get_for_user(user=person, project=project, pk=evening.pk)


def test_visits_by_role_in_route_order(
    evening, inspectors, projectleider_a, analist_a, selection_project
):
    everything = list(visit_list_for_user(user=projectleider_a, evening=evening))
    assert len(everything) == Visit.objects.filter(evening=evening).count() == 4
    seen = []
    for person in (inspectors["gemeente"], inspectors["uwv"], inspectors["politie"]):
        own = list(visit_list_for_user(user=person, evening=evening))
        assert own, person
        assert {v.team.members.filter(person=person).exists() for v in own} == {True}
        positions = [v.route_position for v in own]
        assert positions == sorted(positions) == list(range(1, len(own) + 1))
        seen.append({v.pk for v in own})
    assert seen[0] == seen[1] and not seen[0] & seen[2]
    assert seen[0] | seen[2] == {v.pk for v in everything}
    assert list(visit_list_for_user(user=analist_a, evening=evening)) == []

    politie_visit = next(iter(seen[2]))
    assert visit_get_for_user(
        user=inspectors["politie"], project=selection_project, pk=politie_visit
    )
    for outsider in (inspectors["gemeente"], inspectors["other"], analist_a):
        with pytest.raises(Http404):
            visit_get_for_user(user=outsider, project=selection_project, pk=politie_visit)


def test_tonight_lists_only_evenings_the_inspector_takes_part_in(evening, inspectors):
    today = timezone.localtime(evening.starts_at).date()
    assert evenings_tonight_for_inspector(user=inspectors["uwv"], day=today) == [evening]
    assert evenings_tonight_for_inspector(user=inspectors["other"], day=today) == []
    tomorrow = today + timezone.timedelta(days=1)
    assert evenings_tonight_for_inspector(user=inspectors["uwv"], day=tomorrow) == []


def test_addresses_logged_one_record_per_address(evening, inspectors, selection_project, analist_a):
    person = inspectors["gemeente"]
    visits = list(visit_list_for_user(user=person, evening=evening))
    before = ProcessingLogEntry.objects.count()
    addresses = visit_addresses_for_user(user=person, visits=visits, purpose="route van vanavond")
    entries = ProcessingLogEntry.objects.order_by("id")[before:]
    assert len(entries) == len(visits)
    assert {log_subject(e) for e in entries} == {v.address_key for v in visits}
    assert {(e.ground, e.actor_id, e.name) for e in entries} == {
        ("control", person.pk, "route van vanavond")
    }
    for visit in visits:
        expected = RealAddress.from_vault(
            vault_lookup(project=selection_project, address_key=visit.address_key)
        )
        assert addresses[visit.pk] == expected

    # Someone without VIEW_ADDRESSES (the analist) gets nothing and nothing is logged.
    before = ProcessingLogEntry.objects.count()
    with pytest.raises(NotPermitted, match=NOT_ALLOWED_ADDRESSES):
        visit_addresses_for_user(user=analist_a, visits=visits, purpose="x")
    assert ProcessingLogEntry.objects.count() == before


def test_findings_seen_by_the_team_and_projectleider_only(
    evening, inspectors, projectleider_a, selection_project, partner_orgs
):
    lead = inspectors["gemeente"]
    visit = visit_list_for_user(user=lead, evening=evening).first()
    finding_record(
        actor=lead,
        visit=visit,
        category=FindingCategory.objects.get(project=selection_project, code="brandgevaar"),
        description="Geen rookmelder, kookplaat op de overloop",
        client_id=uuid.uuid4(),
    )
    before = ProcessingLogEntry.objects.count()
    for person in (lead, inspectors["uwv"], projectleider_a):
        assert [f.category.code for f in finding_list_for_user(user=person, visit=visit)] == [
            "brandgevaar"
        ]
    assert ProcessingLogEntry.objects.count() == before + 3
    assert finding_list_for_user(user=inspectors["politie"], visit=visit) == []
    behandelaar = member(selection_project, "behandelaar_x", partner_orgs["uwv"], Role.BEHANDELAAR)
    assert finding_list_for_user(user=behandelaar, visit=visit) == []
