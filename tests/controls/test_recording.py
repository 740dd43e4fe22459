"""Recording results and findings (controls.services.recording): exactly once per client id
(R28), also under concurrency; never a silent overwrite (R29); who may record and when."""

from __future__ import annotations

import uuid

import pytest

from controls.models import Finding, FindingCategory, Visit
from controls.services import evenings as evening_services
from controls.services import recording
from controls.services.recording import (
    NOT_ALLOWED_RECORD,
    RECORDING_CLOSED,
    RECORDING_CLOSED_AFGEROND,
    VersionConflict,
    finding_record,
    finding_update,
    visit_result_record,
)
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event, ProcessingLogEntry

pytestmark = pytest.mark.django_db


def first_visit_of(evening, person) -> Visit:
    return (
        Visit.objects.filter(evening=evening, team__members__person=person)
        .order_by("route_position")
        .first()
    )


def category(project, code="overbewoning") -> FindingCategory:
    return FindingCategory.objects.get(project=project, code=code)


def test_result_recorded_once_per_client_id(evening, inspectors):
    lead = inspectors["gemeente"]
    visit = first_visit_of(evening, lead)
    client_id = uuid.uuid4()
    events_before = Event.objects.filter(kind=recording.EVENT_RESULT).count()
    logs_before = ProcessingLogEntry.objects.filter(action="update").count()

    answers = [
        visit_result_record(
            actor=lead,
            visit=visit,
            result="aangetroffen",
            residents_found=3,
            notes="Vier matrassen in de woonkamer",
            client_id=client_id,
            expected_version=1,
        )
        for _ in range(10)
    ]

    assert [a.replayed for a in answers] == [False] + [True] * 9
    assert {a.visit.pk for a in answers} == {visit.pk}
    assert {a.visit.version for a in answers} == {2}
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.result, stored.residents_found, stored.version) == ("aangetroffen", 3, 2)
    assert stored.recorded_by == lead and stored.visited_at is not None
    assert Event.objects.filter(kind=recording.EVENT_RESULT).count() == events_before + 1
    assert ProcessingLogEntry.objects.filter(action="update").count() == logs_before + 1


def test_second_writer_gets_a_version_conflict_with_the_current_row(evening, inspectors):
    lead, colleague = inspectors["gemeente"], inspectors["uwv"]
    visit = first_visit_of(evening, lead)
    visit_result_record(
        actor=lead,
        visit=visit,
        result="niet_aangetroffen",
        residents_found=None,
        notes="",
        client_id=uuid.uuid4(),
        expected_version=1,
    )
    with pytest.raises(VersionConflict) as conflict:
        visit_result_record(
            actor=colleague,
            visit=visit,
            result="aangetroffen",
            residents_found=2,
            notes="",
            client_id=uuid.uuid4(),
            expected_version=1,
        )
    assert conflict.value.message == recording.VERSION_CONFLICT_VISIT
    assert conflict.value.current.result == "niet_aangetroffen"
    assert conflict.value.current.version == 2
    # Having seen both, the second writer chooses theirs on the current version.
    chosen = visit_result_record(
        actor=colleague,
        visit=visit,
        result="aangetroffen",
        residents_found=2,
        notes="",
        client_id=uuid.uuid4(),
        expected_version=2,
    )
    assert (chosen.visit.result, chosen.visit.version) == ("aangetroffen", 3)


def test_an_older_submission_replayed_after_a_newer_one_changes_nothing(evening, inspectors):
    lead = inspectors["gemeente"]
    visit = first_visit_of(evening, lead)
    first = uuid.uuid4()
    kwargs = {"actor": lead, "visit": visit, "residents_found": 1, "notes": ""}
    visit_result_record(result="aangetroffen", client_id=first, expected_version=1, **kwargs)
    visit_result_record(
        result="vervolgbezoek", client_id=uuid.uuid4(), expected_version=2, **kwargs
    )
    replay = visit_result_record(
        result="aangetroffen", client_id=first, expected_version=1, **kwargs
    )
    assert replay.replayed and replay.visit.result == "vervolgbezoek"


def test_finding_recorded_once_and_updated_with_version(evening, inspectors, selection_project):
    lead = inspectors["gemeente"]
    visit = first_visit_of(evening, lead)
    client_id = uuid.uuid4()
    answers = [
        finding_record(
            actor=lead,
            visit=visit,
            category=category(selection_project),
            description="Acht bewoners in een tweekamerwoning",
            client_id=client_id,
        )
        for _ in range(10)
    ]
    assert [a.replayed for a in answers] == [False] + [True] * 9
    assert {a.finding.pk for a in answers} == {answers[0].finding.pk}
    assert Finding.objects.filter(client_id=client_id).count() == 1
    finding = answers[0].finding

    updated = finding_update(
        actor=lead,
        finding=finding,
        category=category(selection_project, "onderverhuur"),
        description="Onderverhuur aan vijf personen",
        expected_version=1,
    )
    assert (updated.version, updated.category.code) == (2, "onderverhuur")
    with pytest.raises(VersionConflict) as conflict:
        finding_update(
            actor=inspectors["uwv"],
            finding=finding,
            category=category(selection_project),
            description="Iets anders",
            expected_version=1,
        )
    assert conflict.value.current.description == "Onderverhuur aan vijf personen"


def test_only_team_members_and_the_projectleider_record(
    evening, inspectors, projectleider_a, selection_project
):
    visit = first_visit_of(evening, inspectors["gemeente"])
    for outsider in (inspectors["politie"], inspectors["other"]):
        with pytest.raises(NotPermitted, match=NOT_ALLOWED_RECORD):
            finding_record(
                actor=outsider,
                visit=visit,
                category=category(selection_project),
                description="x",
                client_id=uuid.uuid4(),
            )
    outcome = finding_record(
        actor=projectleider_a,
        visit=visit,
        category=category(selection_project),
        description="Nagekomen bevinding",
        client_id=uuid.uuid4(),
    )
    assert not outcome.replayed


def test_recording_only_while_the_evening_is_open(evening, inspectors, projectleider_a):
    lead = inspectors["gemeente"]
    visit = first_visit_of(evening, lead)

    def record():
        return visit_result_record(
            actor=lead,
            visit=visit,
            result="aangetroffen",
            residents_found=1,
            notes="",
            client_id=uuid.uuid4(),
            expected_version=Visit.objects.get(pk=visit.pk).version,
        )

    evening_services.evening_transition(actor=projectleider_a, evening=evening, target="gepland")
    with pytest.raises(InvalidTransition, match=RECORDING_CLOSED):
        record()
    for target in ("voorbereid", "uitgevoerd"):
        evening_services.evening_transition(actor=projectleider_a, evening=evening, target=target)
        assert not record().replayed
    evening_services.evening_transition(actor=projectleider_a, evening=evening, target="afgerond")
    with pytest.raises(InvalidTransition, match=RECORDING_CLOSED_AFGEROND):
        record()


def test_invalid_input_is_refused_beside_its_field(evening, inspectors, selection_project):
    lead = inspectors["gemeente"]
    visit = first_visit_of(evening, lead)
    with pytest.raises(ApplicationError) as error:
        visit_result_record(
            actor=lead,
            visit=visit,
            result="bestaat_niet",
            residents_found=1,
            notes="",
            client_id=uuid.uuid4(),
            expected_version=1,
        )
    assert (error.value.message, error.value.extra) == (
        recording.RESULT_UNKNOWN,
        {"field": "result"},
    )
    inactive = category(selection_project, "overig")
    inactive.is_active = False
    inactive.save()
    with pytest.raises(ApplicationError, match=recording.CATEGORY_INVALID):
        finding_record(
            actor=lead, visit=visit, category=inactive, description="x", client_id=uuid.uuid4()
        )
    with pytest.raises(ApplicationError, match=recording.DESCRIPTION_REQUIRED):
        finding_record(
            actor=lead,
            visit=visit,
            category=category(selection_project),
            description="  ",
            client_id=uuid.uuid4(),
        )


def test_a_late_replay_after_closing_answers_the_stored_rows_to_team_members_only(
    evening, inspectors, projectleider_a, selection_project
):
    lead = inspectors["gemeente"]
    visit = first_visit_of(evening, lead)
    result_id, finding_id = uuid.uuid4(), uuid.uuid4()
    result_kwargs = {
        "visit": visit,
        "result": "aangetroffen",
        "residents_found": 2,
        "notes": "",
        "client_id": result_id,
        "expected_version": 1,
    }
    finding_kwargs = {
        "visit": visit,
        "category": category(selection_project),
        "description": "Zes bewoners",
        "client_id": finding_id,
    }
    visit_result_record(actor=lead, **result_kwargs)
    stored = finding_record(actor=lead, **finding_kwargs).finding
    for target in ("uitgevoerd", "afgerond"):
        evening_services.evening_transition(actor=projectleider_a, evening=evening, target=target)

    assert visit_result_record(actor=lead, **result_kwargs).replayed
    replay = finding_record(actor=lead, **finding_kwargs)
    assert replay.replayed and replay.finding.pk == stored.pk
    with pytest.raises(NotPermitted):
        finding_record(actor=inspectors["politie"], **finding_kwargs)
    with pytest.raises(NotPermitted):
        visit_result_record(actor=inspectors["politie"], **result_kwargs)
