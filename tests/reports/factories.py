"""Rows to report on, made directly (the reports tests do not need the intake or the controls
pages; those have their own tests and services on their branches).

`seed_selection` gives a project an accepted BAG delivery with addresses in buurten, a current
matching run with risk addresses, and proposals (approved ones with the snapshot the selection
service writes); `seed_controls` gives approved proposals evenings, visits with results,
findings, referrals and outcomes. Every count is given by the caller, so a test states what it
expects and the figures must come out equal.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

_seq = itertools.count(1)


def _key(prefix: str) -> str:
    return f"{prefix}{next(_seq):060d}"[:64]


@dataclass
class Selection:
    delivery: object
    run: object
    approved: list = field(default_factory=list)
    proposed: list = field(default_factory=list)


def seed_selection(
    project,
    *,
    leader,
    analist,
    buurten: dict[str, int],
    approved_per_buurt: dict[str, int],
    risk: int,
    open_proposals: int = 0,
    fired: tuple[tuple[str, int], ...] = (("samenloop_signalen", 3), ("overbewoning", 2)),
) -> Selection:
    """BAG addresses per buurt (`buurten`), a current run with `risk` risk addresses, approved
    proposals per buurt and `open_proposals` more; each approved snapshot fires `fired`."""
    from datasharing.matching.models import MatchingRun, RiskAddress, SelectionProposal
    from datasharing.models import BagRecord, DataRequest, Delivery

    organisation = project.municipality
    request = DataRequest.objects.create(
        project=project,
        organisation=organisation,
        source="bag",
        legal_ground="Art. 64 Wet SUWI",
        deadline=date(2026, 12, 31),
        created_by=leader,
        status="geleverd",
    )
    delivery = Delivery.objects.create(
        data_request=request,
        project=project,
        organisation=organisation,
        source="bag",
        status="geaccepteerd",
        original_filename="bag.csv",
        file_format="csv",
        content_hash=uuid.uuid4().hex * 2,
        uploaded_by=leader,
    )
    keys: dict[str, list[str]] = {}
    rows = []
    for buurt, count in buurten.items():
        keys[buurt] = [_key("a") for _ in range(count)]
        rows += [
            BagRecord(
                delivery=delivery,
                project=project,
                row_number=len(rows) + n + 1,
                key_version=1,
                address_key=key,
                gebruiksdoel="woonfunctie",
                woonfunctie=True,
                oppervlakte_m2=60,
                buurtcode=buurt,
            )
            for n, key in enumerate(keys[buurt])
        ]
    BagRecord.objects.bulk_create(rows)
    # What the intake stores when it accepts a BAG delivery (datasharing.services.deliveries).
    Delivery.objects.filter(pk=delivery.pk).update(
        valid_rows=len(rows),
        area_counts={buurt: count for buurt, count in buurten.items() if count},
    )
    run = MatchingRun.objects.create(
        project=project,
        status="succeeded",
        peildatum=date(2026, 10, 1),
        software_version="test",
        address_count=len(rows),
        risk_address_count=risk,
        is_current=True,
        settings_snapshot={"weights": dict(fired), "risk_threshold": 3},
    )
    score = sum(weight for _code, weight in fired)
    selection = Selection(delivery=delivery, run=run)

    def propose(buurt: str, key: str, *, approve: bool):
        address = RiskAddress.objects.create(
            run=run,
            chunk=0,
            address_key=key,
            pseudonym=key[-8:],
            buurtcode=buurt,
            score=score,
            is_risk=True,
            fired=[code for code, _w in fired],
        )
        snapshot = {
            "run": run.pk,
            "score": score,
            "fired": [{"code": c, "name": c.replace("_", " "), "weight": w} for c, w in fired],
        }
        return SelectionProposal.objects.create(
            project=project,
            run=run,
            risk_address=address,
            address_key=key,
            pseudonym=key[-8:],
            buurtcode=buurt,
            snapshot=snapshot,
            status="approved" if approve else "proposed",
            proposed_by=analist,
            reason="Signalen",
            decided_by=leader if approve else None,
            decided_at=timezone.now() if approve else None,
        )

    for buurt, count in approved_per_buurt.items():
        for key in keys[buurt][:count]:
            selection.approved.append(propose(buurt, key, approve=True))
    first = next(iter(buurten))
    for key in keys[first][-open_proposals:] if open_proposals else []:
        selection.proposed.append(propose(first, key, approve=False))
    return selection


@dataclass(frozen=True)
class EveningSpec:
    """One evening: how many of the next approved addresses are visited with a result, how
    many of those get a finding (category code), and per finding its referral and outcome."""

    day: date
    visited: int
    findings: tuple[tuple[str, str | None, str | None, Decimal | None], ...] = ()
    # (category code, referral kind or None, outcome kind or None, amount or None), one per
    # visited address from the first on
    status: str = "afgerond"
    unvisited: int = 0  # planned visits without a result


def seed_controls(project, proposals, *, leader, organisation, evenings: list[EveningSpec]):
    """Evenings with visits of `proposals` (in order), findings, referrals to `organisation`
    and outcomes, as `evenings` say."""
    from controls.constants import DEFAULT_FINDING_CATEGORIES
    from controls.models import (
        Controleavond,
        Finding,
        FindingCategory,
        Referral,
        ReferralOutcome,
        Team,
        Visit,
    )

    categories = {}
    for position, default in enumerate(DEFAULT_FINDING_CATEGORIES):
        categories[default.code], _ = FindingCategory.objects.get_or_create(
            project=project,
            code=default.code,
            defaults={
                "label": default.label,
                "referral_kind": default.referral_kind,
                "position": position,
            },
        )
    queue = list(proposals)
    made = []
    for spec in evenings:
        starts = timezone.make_aware(datetime.combine(spec.day, datetime.min.time())) + timedelta(
            hours=19
        )
        evening = Controleavond.objects.create(
            project=project, starts_at=starts, meeting_point="Buurthuis", status=spec.status
        )
        team = Team.objects.create(evening=evening, name="Team 1")
        for n in range(spec.visited + spec.unvisited):
            proposal = queue.pop(0)
            visit = Visit.objects.create(
                evening=evening,
                team=team,
                proposal=proposal,
                project=project,
                address_key=proposal.address_key,
                pseudonym=proposal.pseudonym,
                buurtcode=proposal.buurtcode,
                result="aangetroffen" if n < spec.visited else "",
                visited_at=starts if n < spec.visited else None,
                recorded_by=leader if n < spec.visited else None,
            )
            if n >= len(spec.findings) or n >= spec.visited:
                continue
            code, referral_kind, outcome_kind, amount = spec.findings[n]
            finding = Finding.objects.create(
                visit=visit,
                category=categories[code],
                description='=HYPERLINK("http://evil.example","klik")',
                client_id=uuid.uuid4(),
                recorded_by=leader,
            )
            if referral_kind is None:
                continue
            referral = Referral.objects.create(
                project=project,
                finding=finding,
                kind=referral_kind,
                organisation=organisation,
                note="+cmd|' /C calc'!A0",
                status="afgehandeld" if outcome_kind else "verzonden",
                due_on=spec.day + timedelta(weeks=8),
                created_by=leader,
            )
            if outcome_kind:
                ReferralOutcome.objects.create(
                    referral=referral, kind=outcome_kind, amount=amount, recorded_by=leader
                )
        made.append(evening)
    return made
