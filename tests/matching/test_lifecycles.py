"""Matching runs and proposals: every (state × move) pair, each move with its event (rule 11).

Each state is reached through the services; then the service of every move is called: the run
or proposal moves, with exactly one Event, if and only if the transition table allows it.
"""

import pytest

from datasharing.matching import services
from datasharing.matching.constants import (
    PROPOSAL_TRANSITIONS,
    RUN_TRANSITIONS,
    ProposalStatus,
    RunStatus,
)
from datasharing.matching.models import MatchingRun, RiskAddress, SelectionProposal
from wijkaanpak.core.exceptions import InvalidTransition
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def _events(obj) -> list[tuple[str, str, str]]:
    return list(
        Event.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("kind", "from_state", "to_state")
    )


def _run_in(state: RunStatus, *, actor, project) -> MatchingRun:
    run = services.matching_run_create(actor=actor, project=project, chunk_count=2)
    if state == RunStatus.RUNNING:
        assert services.matching_run_begin(run_id=run.pk)
        for index in range(run.chunk_count):
            services.matching_chunk_process(run_id=run.pk, index=index)
    elif state == RunStatus.SUCCEEDED:
        services.matching_run_execute_inline(run=run)
    elif state == RunStatus.FAILED:
        services.matching_run_fail(run_id=run.pk, error="test")
    elif state == RunStatus.CANCELLED:
        services.matching_run_cancel(actor=actor, run=run)
    return MatchingRun.objects.get(pk=run.pk)


RUN_MOVES = {
    RunStatus.RUNNING: (
        "matching_run_started",
        lambda run, actor: services.matching_run_begin(run_id=run.pk),
    ),
    RunStatus.SUCCEEDED: (
        "matching_run_succeeded",
        lambda run, actor: services.matching_run_finalise(run_id=run.pk),
    ),
    RunStatus.FAILED: (
        "matching_run_failed",
        lambda run, actor: services.matching_run_fail(run_id=run.pk, error="test"),
    ),
    RunStatus.CANCELLED: (
        "matching_run_cancelled",
        lambda run, actor: services.matching_run_cancel(actor=actor, run=run),
    ),
}


def test_every_run_move_follows_the_table_and_writes_its_event(signal_project, analist_a):
    for current in RunStatus:
        for target, (kind, move) in RUN_MOVES.items():
            run = _run_in(current, actor=analist_a, project=signal_project)
            assert run.status == current
            before = _events(run)
            allowed = target in RUN_TRANSITIONS[current]
            if target == RunStatus.CANCELLED and not allowed:
                with pytest.raises(InvalidTransition) as excinfo:
                    move(run, analist_a)
                assert excinfo.value.message == services.RUN_NOT_ACTIVE
            else:
                move(run, analist_a)
            run.refresh_from_db()
            if allowed:
                assert run.status == target, (current, target)
                assert _events(run) == [*before, (kind, current, target)]
            else:
                assert run.status == current, (current, target)
                assert _events(run) == before, (current, target)
            if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
                services.matching_run_cancel(actor=analist_a, run=run)  # next run may start


def test_every_proposal_move_follows_the_table_and_writes_its_event(
    signal_project, analist_a, projectleider_a
):
    def free_address() -> RiskAddress:
        """A risk address without a pending or approved proposal (a rejected one is free)."""
        taken = SelectionProposal.objects.filter(
            project=signal_project, status__in=[ProposalStatus.PROPOSED, ProposalStatus.APPROVED]
        ).values("address_key")
        return (
            RiskAddress.objects.filter(
                run__project=signal_project, run__is_current=True, is_risk=True
            )
            .exclude(address_key__in=taken)
            .order_by("pk")
            .first()
        )

    def proposal_in(state: ProposalStatus) -> SelectionProposal:
        # A rejected address is free again, but proposing it again asks what changed (issue 9
        # item 1); the answer is ignored for an address never rejected.
        proposal = services.selection_propose(
            actor=analist_a,
            risk_address=free_address(),
            reason="Twee signalen",
            what_changed="Een nieuw signaal",
        )
        if state != ProposalStatus.PROPOSED:
            services.selection_decide(
                actor=projectleider_a,
                proposal=proposal,
                approve=state == ProposalStatus.APPROVED,
                reason="Besluit",
            )
        return SelectionProposal.objects.get(pk=proposal.pk)

    for current in ProposalStatus:
        for target in (ProposalStatus.APPROVED, ProposalStatus.REJECTED):
            proposal = proposal_in(current)
            before = _events(proposal)
            approve = target == ProposalStatus.APPROVED
            if target in PROPOSAL_TRANSITIONS[current]:
                services.selection_decide(
                    actor=projectleider_a, proposal=proposal, approve=approve, reason="Akkoord"
                )
                assert SelectionProposal.objects.get(pk=proposal.pk).status == target
                assert _events(proposal) == [*before, (f"selection_{target}", current, target)]
            else:
                with pytest.raises(InvalidTransition) as excinfo:
                    services.selection_decide(
                        actor=projectleider_a, proposal=proposal, approve=approve, reason="Nog"
                    )
                assert excinfo.value.message == services.ALREADY_DECIDED
                assert SelectionProposal.objects.get(pk=proposal.pk).status == current
                assert _events(proposal) == before
