"""Four eyes (R6, R29) and re-identification (R20, R21)."""

from __future__ import annotations

import threading

from django.db import IntegrityError, connection, transaction

import pytest

from datasharing.matching import services
from datasharing.matching.models import Reidentification, RiskAddress, SelectionProposal
from datasharing.matching.selectors import (
    approved_selection_count,
    selected_address_keys,
    selection_closed_at,
)
from tests.factories import log_subject
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.models import ProcessingLogEntry


def risk_addresses(project):
    return list(
        RiskAddress.objects.filter(
            run__project=project, run__is_current=True, is_risk=True
        ).order_by("pk")
    )


@pytest.mark.django_db
def test_four_eyes_propose_approve_reject_close(
    signal_project, analist_a, projectleider_a, projectleider_a2
):
    first, second, third, *_ = risk_addresses(signal_project)
    with pytest.raises(ApplicationError) as error:
        services.selection_propose(actor=analist_a, risk_address=first, reason="   ")
    assert error.value.message == services.REASON_REQUIRED
    with pytest.raises(NotPermitted) as error:  # a projectleider may approve, not propose
        services.selection_propose(actor=projectleider_a, risk_address=first, reason="x")
    assert error.value.message == services.NOT_ALLOWED_PROPOSE
    proposal = services.selection_propose(
        actor=analist_a, risk_address=first, reason="Signalen van 2 partners"
    )
    assert proposal.snapshot["score"] == first.score
    assert [f["code"] for f in proposal.snapshot["fired"]] == ["SAMENLOOP_SIGNALEN"]
    assert proposal.snapshot["fired"][0]["figures"]["partners"] >= 2
    assert proposal.snapshot["deliveries"] and proposal.snapshot["software_version"]
    with pytest.raises(InvalidTransition) as error:
        services.selection_propose(actor=analist_a, risk_address=first, reason="nog eens")
    assert error.value.message == services.ALREADY_PROPOSED
    # The analist cannot decide; nobody decides on their own proposal.
    with pytest.raises(NotPermitted):
        services.selection_approve(actor=analist_a, proposal=proposal, reason="ok")
    own = services.selection_propose(actor=analist_a, risk_address=second, reason="Tweede")
    assert approved_selection_count(project=signal_project) == 0
    services.selection_approve(actor=projectleider_a, proposal=proposal, reason="Akkoord")
    services.selection_reject(actor=projectleider_a2, proposal=own, reason="Te weinig grond")
    with pytest.raises(InvalidTransition) as error:
        services.selection_approve(actor=projectleider_a2, proposal=proposal, reason="nogmaals")
    assert error.value.message == services.ALREADY_DECIDED
    assert selected_address_keys(signal_project) == {first.address_key}
    assert approved_selection_count(project=signal_project) == 1
    assert selection_closed_at(signal_project) is None
    services.selection_close(actor=projectleider_a, project=signal_project)
    assert selection_closed_at(signal_project) is not None
    with pytest.raises(InvalidTransition) as error:
        services.selection_propose(actor=analist_a, risk_address=third, reason="te laat")
    assert error.value.message == services.SELECTION_CLOSED


@pytest.mark.django_db
def test_same_person_cannot_approve_own_proposal_service_and_db(
    signal_project, projectleider_a, gemeente_a
):
    from projects.constants import Role
    from projects.services import role_grant

    # One person with both roles: the service refuses, and so does the database.
    role_grant(
        actor=projectleider_a, project=signal_project, person=projectleider_a, role=Role.ANALIST
    )
    proposal = services.selection_propose(
        actor=projectleider_a,
        risk_address=risk_addresses(signal_project)[0],
        reason="Eigen voordracht",
    )
    with pytest.raises(NotPermitted) as error:
        services.selection_approve(
            actor=projectleider_a, proposal=proposal, reason="zelf goedgekeurd"
        )
    assert error.value.message == services.OWN_PROPOSAL
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionProposal.objects.filter(pk=proposal.pk).update(
            status="approved", decided_by=projectleider_a, decision_reason="omzeild"
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_exactly_one_wins(
    signal_project, analist_a, projectleider_a, projectleider_a2
):
    proposal = services.selection_propose(
        actor=analist_a, risk_address=risk_addresses(signal_project)[0], reason="Samenloop"
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor):
        try:
            barrier.wait(timeout=10)
            services.selection_approve(
                actor=actor, proposal=proposal, reason=f"akkoord {actor.username}"
            )
            outcomes.append("ok")
        except InvalidTransition as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(a,)) for a in (projectleider_a, projectleider_a2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == sorted(["ok", services.ALREADY_DECIDED])
    proposal.refresh_from_db()
    assert proposal.status == "approved"


@pytest.mark.django_db
def test_reidentification_only_approved_and_logged_once(
    signal_project, analist_a, projectleider_a, projectleider_a2
):
    first, second, *_ = risk_addresses(signal_project)
    approved = services.selection_propose(actor=analist_a, risk_address=first, reason="Samenloop")
    pending = services.selection_propose(actor=analist_a, risk_address=second, reason="Samenloop")
    services.selection_approve(actor=projectleider_a2, proposal=approved, reason="Akkoord")

    def log_count():
        return ProcessingLogEntry.objects.filter(
            action="reidentify", ground="reidentification"
        ).count()

    with pytest.raises(InvalidTransition) as error:
        services.address_reidentify(actor=projectleider_a, proposal=pending, reason="planning")
    assert error.value.message == services.NOT_APPROVED
    with pytest.raises(NotPermitted):  # analists do not see addresses
        services.address_reidentify(actor=analist_a, proposal=approved, reason="planning")
    with pytest.raises(ApplicationError) as error:
        services.address_reidentify(actor=projectleider_a, proposal=approved, reason="")
    assert error.value.message == services.REASON_REQUIRED
    assert log_count() == 0

    address = services.address_reidentify(
        actor=projectleider_a, proposal=approved, reason="Controleavond 3 maart"
    )
    assert str(address).split()[0][:4].isdigit()  # the sample's bag has no street and place
    entries = ProcessingLogEntry.objects.filter(action="reidentify")
    assert entries.count() == 1
    entry = entries.get()
    assert log_subject(entry) == approved.address_key and entry.actor == projectleider_a
    record = Reidentification.objects.get()
    assert (
        record.reason == "Controleavond 3 maart"
        and record.processing_log_operation_id == entry.operation_id
    )
