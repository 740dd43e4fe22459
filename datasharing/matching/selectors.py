"""Reads of matching runs, risk lists and the selection, scoped per user (security R2).

Views call `project_get_for_user(..., perm)` first (404 for others); these selectors then scope
every object to that project, so an id of another project is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from datasharing.constants import MATCHED_SOURCES
from datasharing.models import Delivery
from datasharing.selectors import accepted_deliveries
from projects.models import Project

from .constants import ProposalStatus
from .models import (
    IndicatorResult,
    MatchingChunk,
    MatchingChunkLease,
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionClosure,
    SelectionProposal,
)

# Who proposed and who decided, with their organisations: every page that shows a proposal
# names both people (the four-eyes record), in the one query that reads the proposals.
FOUR_EYES_RELATED = (
    "proposed_by",
    "proposed_by__organisation",
    "decided_by",
    "decided_by__organisation",
)


def run_list(*, project: Project) -> QuerySet[MatchingRun]:
    return (
        MatchingRun.objects.filter(project=project)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def run_get(*, project: Project, pk: int) -> MatchingRun:
    run = MatchingRun.objects.filter(project=project, pk=pk).first()
    if run is None:
        raise Http404
    return run


@dataclass(frozen=True)
class ChunkLine:
    number: int  # 1-based, as the page shows it
    attempt: int
    since: datetime | None


@dataclass(frozen=True)
class RunChunks:
    """What an active run's chunks are doing, for its status fragment (issue 16.1)."""

    total: int
    done: int
    working: int
    waiting: int
    waiting_since: datetime | None
    silent: list[ChunkLine] = field(default_factory=list)  # worker gone, not sent again yet
    restarting: list[ChunkLine] = field(default_factory=list)  # sent again or a later attempt
    max_attempts: int = 3


def run_chunks(*, run: MatchingRun) -> RunChunks | None:
    """The chunks of a running run (two queries); None for a run that is not running."""
    if run.status != "running":
        return None
    done = set(MatchingChunk.objects.filter(run=run).values_list("index", flat=True))
    leases = {
        lease.index: lease
        for lease in MatchingChunkLease.objects.filter(run=run).exclude(index__in=done)
    }
    stale_before = timezone.now() - timedelta(seconds=settings.MATCHING_CHUNK_STALE_SECONDS)
    working, waiting = 0, 0
    silent: list[ChunkLine] = []
    restarting: list[ChunkLine] = []
    for index in range(run.chunk_count):
        if index in done:
            continue
        lease = leases.get(index)
        if lease is None:
            waiting += 1
            continue
        started = lease.heartbeat_at is not None and (
            lease.redispatched_at is None or lease.heartbeat_at > lease.redispatched_at
        )
        if not started:
            restarting.append(ChunkLine(index + 1, lease.attempt + 1, lease.redispatched_at))
        elif lease.heartbeat_at and lease.heartbeat_at < stale_before:
            silent.append(ChunkLine(index + 1, lease.attempt, lease.heartbeat_at))
        elif lease.attempt > 1:
            working += 1
            restarting.append(ChunkLine(index + 1, lease.attempt, lease.started_at))
        else:
            working += 1
    return RunChunks(
        total=run.chunk_count,
        done=len(done),
        working=working,
        waiting=waiting,
        waiting_since=run.started_at or run.created_at,
        silent=silent,
        restarting=restarting,
        max_attempts=settings.MATCHING_CHUNK_MAX_ATTEMPTS,
    )


def current_run(*, project: Project) -> MatchingRun | None:
    return MatchingRun.objects.filter(project=project, is_current=True).first()


def deliveries_newer_than_run(*, project: Project, run: MatchingRun) -> list[Delivery]:
    """Accepted deliveries of the matched sources that `run` did not use: they arrived (or
    replaced one it used) after it was started, so a new run would see other data."""
    used = {used["id"] for used in run.deliveries_used}
    deliveries = accepted_deliveries(project=project).filter(source__in=MATCHED_SOURCES)
    return [delivery for delivery in deliveries if delivery.pk not in used]


def active_run(*, project: Project) -> MatchingRun | None:
    return MatchingRun.objects.filter(project=project, status__in=["queued", "running"]).first()


RISK_ORDERINGS = {
    "score": ("-score", "pseudonym"),
    "-score": ("score", "pseudonym"),
    "buurt": ("buurtcode", "-score", "pseudonym"),
    "-buurt": ("-buurtcode", "-score", "pseudonym"),
}


def risk_address_list(
    *,
    run: MatchingRun,
    indicator: str = "",
    buurt: str = "",
    min_score: int | None = None,
    order: str = "score",
    only_risk: bool = True,
) -> QuerySet[RiskAddress]:
    """Addresses of one run, filtered and ordered; only risk addresses unless asked otherwise."""
    qs = RiskAddress.objects.filter(run=run)
    if only_risk:
        qs = qs.filter(is_risk=True)
    if indicator:
        if connection.vendor == "postgresql":
            qs = qs.filter(fired__contains=[indicator])
        else:  # SQLite (demo) has no JSON containment; codes are distinct quoted words
            qs = qs.filter(fired__icontains=f'"{indicator}"')
    if buurt:
        qs = qs.filter(buurtcode=buurt)
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    return qs.order_by(*RISK_ORDERINGS.get(order, RISK_ORDERINGS["score"]))


def risk_address_buurten(*, run: MatchingRun) -> list[str]:
    """The buurten of the run's risk addresses, sorted: stored on the run when it succeeded
    (services.runs.matching_run_finalise), no query; empty once retention destroyed the rows."""
    return list(run.risk_buurten)


def risk_address_get(*, run: MatchingRun, pk: int) -> RiskAddress:
    address = RiskAddress.objects.filter(run=run, pk=pk).first()
    if address is None:
        raise Http404
    return address


def proposal_list(*, project: Project, status: str | None = None) -> QuerySet[SelectionProposal]:
    qs = SelectionProposal.objects.filter(project=project).select_related(*FOUR_EYES_RELATED)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-proposed_at", "-id")


def proposal_get(*, project: Project, pk: int) -> SelectionProposal:
    proposal = (
        SelectionProposal.objects.filter(project=project, pk=pk).select_related("project").first()
    )
    if proposal is None:
        raise Http404
    return proposal


def approved_proposal_get(*, project: Project, pk: int) -> SelectionProposal:
    """An approved proposal of the project, or Http404: nothing else may be re-identified (R20)."""
    proposal = (
        SelectionProposal.objects.filter(project=project, pk=pk, status=ProposalStatus.APPROVED)
        .select_related("project")
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


@dataclass
class AddressProposals:
    """The proposals of one address: the open or approved one (at most one, a database
    constraint), and the rejected ones before it, newest first."""

    current: SelectionProposal | None = None
    rejected: list[SelectionProposal] = field(default_factory=list)

    @property
    def last_rejection(self) -> SelectionProposal | None:
        return self.rejected[0] if self.rejected else None


def proposals_by_address(
    *, project: Project, address_keys: Iterable[str]
) -> dict[str, AddressProposals]:
    """Per address key, its open or approved proposal and its earlier rejections, with the
    people who proposed and decided (one query, for marking the rows of the risk list and the
    proposal form)."""
    qs = (
        SelectionProposal.objects.filter(project=project, address_key__in=list(address_keys))
        .select_related(*FOUR_EYES_RELATED)
        .order_by("-proposed_at", "-id")
    )
    found: dict[str, AddressProposals] = {}
    for proposal in qs:
        entry = found.setdefault(proposal.address_key, AddressProposals())
        if proposal.status == ProposalStatus.REJECTED:
            entry.rejected.append(proposal)
        else:
            entry.current = proposal
    return found


@dataclass
class ProposalRecord:
    """Why an approved address is visited (issue 11 item 7): the proposal with its run, the
    indicators that fired with their figures, the earlier rejections of the address and every
    re-identification."""

    proposal: SelectionProposal
    results: list[IndicatorResult]
    rejected: list[SelectionProposal]
    reidentifications: list[Reidentification]


def proposal_record_get(*, project: Project, pk: int) -> ProposalRecord:
    """The selection record of an approved proposal of `project`, or Http404 (also for a
    proposal that is not approved: only what was selected is explained here)."""
    proposal = (
        SelectionProposal.objects.filter(project=project, pk=pk, status=ProposalStatus.APPROVED)
        .select_related(*FOUR_EYES_RELATED, "run", "run__created_by")
        .first()
    )
    if proposal is None:
        raise Http404
    results = list(
        IndicatorResult.objects.filter(
            run_id=proposal.run_id, address_key=proposal.address_key
        ).order_by("indicator")
    )
    rejected = list(
        SelectionProposal.objects.filter(
            project=project, address_key=proposal.address_key, status=ProposalStatus.REJECTED
        )
        .select_related(*FOUR_EYES_RELATED)
        .order_by("-proposed_at", "-id")
    )
    reidentifications = list(
        Reidentification.objects.filter(proposal=proposal)
        .select_related("actor", "actor__organisation")
        .order_by("created_at", "id")
    )
    return ProposalRecord(proposal, results, rejected, reidentifications)


def reidentifications_recent(
    *, proposal: SelectionProposal, user_id: int, since: datetime
) -> list[Reidentification]:
    """The person's own re-identifications of `proposal` since `since`, newest first: what
    the person may still see again (reidentification_get)."""
    return list(
        Reidentification.objects.filter(
            proposal=proposal, actor_id=user_id, created_at__gte=since
        ).order_by("-created_at", "-id")
    )


def reidentification_get(
    *, project: Project, user_id: int, pk: int, since: datetime
) -> Reidentification:
    """A re-identification of `project` made by the person (`user_id`) after `since` (the view
    passes the start of the current shift), with its proposal; Http404 otherwise — for anyone
    else, or later, showing the address again needs a reason of one's own (R20)."""
    reidentification = (
        Reidentification.objects.filter(
            project=project, pk=pk, actor_id=user_id, created_at__gte=since
        )
        .select_related("proposal", "actor")
        .first()
    )
    if reidentification is None or reidentification.proposal.status != ProposalStatus.APPROVED:
        raise Http404
    reidentification.project = project  # the caller's, already loaded
    return reidentification


def selected_address_keys(project: Project) -> set[str]:
    """Address pseudonyms approved with four eyes: what controleavonden plan from."""
    return set(
        SelectionProposal.objects.filter(
            project=project, status=ProposalStatus.APPROVED
        ).values_list("address_key", flat=True)
    )


def proposal_counts(*, project: Project) -> dict[str, int]:
    """The number of the project's proposals per status (every status present), one query."""
    counts = dict.fromkeys(ProposalStatus.values, 0)
    rows = (
        SelectionProposal.objects.filter(project=project)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    return counts


def approved_selection_count(*, project: Project) -> int:
    return SelectionProposal.objects.filter(project=project, status=ProposalStatus.APPROVED).count()


def selection_closed_at(project: Project) -> datetime | None:
    """When the project's selection was closed, or None while it is open."""
    closure = SelectionClosure.objects.filter(project=project).first()
    return closure.closed_at if closure else None
