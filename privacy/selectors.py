"""Reads of the privacy officer (issue 15 item 2, issue 16 item 4): what a project holds on one
person or address, the inzageverzoeken and the processing log of a project.

Every read here is the privacy officer's, whom the views let in with handle_privacy_requests
(ProjectScopedMixin, 404 otherwise). `inzage_facts` gathers what the project holds on a set of
pseudonyms: counts, column names, dates, labels and the indicators that fired at the address —
never another person's values (no other resident's pseudonym, no free text of a partner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from controls.models import Finding, Referral, ReferralOutcome, Visit
from datasharing.matching.constants import ProposalStatus, RunStatus
from datasharing.matching.indicators.registry import INDICATORS, IndicatorCode
from datasharing.matching.models import MatchingRun, RiskAddress, SelectionProposal
from datasharing.models import (
    RECORD_MODELS,
    AddressVaultEntry,
    BrpRecord,
    Delivery,
    DestructionRecord,
    EigendomRecord,
    HuurRecord,
    ProjectKey,
    PseudonymisedRecord,
)
from datasharing.selectors import objections_for_subjects
from projects.models import Project
from wijkaanpak.core.models import ProcessingLogEntry

from .models import InzageRequest

# Columns of a record row that are bookkeeping, not data about the person or address.
BOOKKEEPING = frozenset({"id", "delivery", "project", "row_number", "key_version"})
# The columns that hold a person's pseudonym, per record model (a BSN at intake).
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "brp": ("person_key",),
    "uitkering": ("person_key",),
    "toeslag": ("person_key", "partner_key"),
    "huur": ("huurder_key",),
    "eigendom": ("person_key",),
}
# How a pseudonymised column is named in the letter (the original identifier, held keyed).
KEY_COLUMN_LABELS = {
    "person_key": "bsn",
    "partner_key": "toeslagpartner_bsn",
    "huurder_key": "huurder_bsn",
    "address_key": "adres",
    "nummeraanduiding_key": "nummeraanduiding_id",
    "kvk_key": "kvk_nummer",
}


@dataclass(frozen=True)
class KeyState:
    """Whether the project's pseudonyms can still be computed: `current` is the key version in
    use (None when there is none), `destroyed` whether its keys were crypto-shredded."""

    current: int | None
    destroyed: bool


def project_key_state(*, project: Project) -> KeyState:
    """The state of the project's pseudonymisation key (one query)."""
    keys = list(
        ProjectKey.objects.filter(project=project).values_list(
            "version", "retired_at", "destroyed_at"
        )
    )
    current = [v for v, retired, destroyed in keys if retired is None and destroyed is None]
    destroyed = any(destroyed is not None for _v, _r, destroyed in keys) and not current
    return KeyState(current=max(current) if current else None, destroyed=destroyed)


def _columns(model: type[PseudonymisedRecord]) -> list[str]:
    names = []
    for field in model._meta.concrete_fields:
        if field.name in BOOKKEEPING:
            continue
        label = KEY_COLUMN_LABELS.get(field.name)
        names.append(f"{label} (gepseudonimiseerd)" if label else field.name)
    return names


def _has_field(model: type[PseudonymisedRecord], name: str) -> bool:
    return any(field.name == name for field in model._meta.concrete_fields)


def person_address_keys(*, project: Project, person_key: str) -> list[str]:
    """The address keys at which the project's records place the person: registered (BRP),
    renting (huur) or owning (eigendom); first seen first."""
    keys: list[str] = [
        *BrpRecord.objects.filter(project=project, person_key=person_key).values_list(
            "address_key", flat=True
        ),
        *HuurRecord.objects.filter(project=project, huurder_key=person_key).values_list(
            "address_key", flat=True
        ),
        *EigendomRecord.objects.filter(project=project, person_key=person_key).values_list(
            "address_key", flat=True
        ),
    ]
    return [key for key in dict.fromkeys(keys) if key]


def _records(*, project: Project, person_key: str, address_keys: list[str]) -> list[dict[str, Any]]:
    """Per source and delivery: how many rows the project holds on the person or the addresses,
    and which columns such a row has (never the values)."""
    counts: list[tuple[str, int, str, int]] = []
    for source, model in RECORD_MODELS.items():
        if person_key and source in PERSON_COLUMNS:
            condition = Q()
            for column in PERSON_COLUMNS[source]:
                condition |= Q(**{column: person_key})
            for row in (
                model._default_manager.filter(condition, project=project)
                .values("delivery_id")
                .annotate(rows=Count("id"))
            ):
                counts.append((source, row["delivery_id"], "persoon", row["rows"]))
        if address_keys and _has_field(model, "address_key"):
            for row in (
                model._default_manager.filter(project=project, **{"address_key__in": address_keys})
                .values("delivery_id")
                .annotate(rows=Count("id"))
            ):
                counts.append((source, row["delivery_id"], "adres", row["rows"]))
    deliveries = Delivery.objects.select_related("organisation", "data_request").in_bulk(
        {delivery_id for _s, delivery_id, _m, _r in counts}
    )
    records = []
    for source, delivery_id, matched_on, rows in counts:
        delivery = deliveries.get(delivery_id)
        if delivery is None:
            continue
        records.append(
            {
                "source": delivery.get_source_display(),
                "organisation": str(delivery.organisation),
                "delivery": delivery.pk,
                "delivered_on": timezone.localtime(delivery.uploaded_at).date().isoformat(),
                "status": delivery.get_status_display(),
                "legal_ground": delivery.data_request.legal_ground,
                "matched_on": matched_on,
                "rows": rows,
                "columns": _columns(RECORD_MODELS[source]),
            }
        )
    records.sort(key=lambda r: (r["delivered_on"], r["delivery"], r["matched_on"]))
    return records


def _indicator_name(code: str) -> str:
    try:
        return INDICATORS[IndicatorCode(code)].name
    except ValueError:
        return code


def _risk(*, project: Project, address_keys: list[str]) -> list[dict[str, Any]]:
    """The address in the project's current matching run: its score, whether it was a risk
    address, and the indicators that fired with the figures that made them fire."""
    run = MatchingRun.objects.filter(
        project=project, is_current=True, status=RunStatus.SUCCEEDED
    ).first()
    if run is None or not address_keys:
        return []
    rows = []
    for address in RiskAddress.objects.filter(run=run, address_key__in=address_keys):
        rows.append(
            {
                "run": run.pk,
                "peildatum": run.peildatum.isoformat(),
                "score": address.score,
                "is_risk": address.is_risk,
                "threshold": run.settings_snapshot.get("risk_threshold"),
                "indicators": [
                    {
                        "name": _indicator_name(code),
                        "explanation": address.results.get(code, {}).get("explanation", ""),
                    }
                    for code in address.fired
                ],
            }
        )
    return rows


def _selection(*, project: Project, address_keys: list[str]) -> list[dict[str, Any]]:
    """Every proposal to visit one of the addresses, with the two organisations of four eyes."""
    rows = []
    for proposal in SelectionProposal.objects.filter(
        project=project, address_key__in=address_keys
    ).select_related("proposed_by__organisation", "decided_by__organisation"):
        rows.append(
            {
                "status": proposal.get_status_display(),
                "approved": proposal.status == ProposalStatus.APPROVED,
                "proposed_on": timezone.localtime(proposal.proposed_at).date().isoformat(),
                "proposed_by": str(proposal.proposed_by.organisation or ""),
                "decided_on": (
                    timezone.localtime(proposal.decided_at).date().isoformat()
                    if proposal.decided_at
                    else ""
                ),
                "decided_by": (
                    str(proposal.decided_by.organisation or "") if proposal.decided_by else ""
                ),
                "score": proposal.snapshot.get("score"),
                "indicators": [f.get("name", "") for f in proposal.snapshot.get("fired", [])],
            }
        )
    rows.sort(key=lambda r: r["proposed_on"])
    return rows


def _controls(*, project: Project, address_keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Visits of the addresses, their findings (category and date, not the inspector's text),
    and the referrals of those findings with their outcomes."""
    visits = list(
        Visit.objects.filter(project=project, address_key__in=address_keys)
        .select_related("evening")
        .order_by("evening__starts_at", "id")
    )
    findings = list(
        Finding.objects.filter(visit__in=visits)
        .select_related("category", "visit__evening")
        .order_by("recorded_at", "id")
    )
    referrals = list(
        Referral.objects.filter(Q(finding__in=findings) | Q(bundled_findings__in=findings))
        .distinct()
        .select_related("organisation")
        .order_by("created_at", "id")
    )
    outcomes = {
        outcome.referral_id: outcome
        for outcome in ReferralOutcome.objects.filter(referral__in=referrals)
    }
    return {
        "visits": [
            {
                "date": timezone.localtime(v.evening.starts_at).date().isoformat(),
                "result": v.get_result_display() or "Nog niet bezocht",
            }
            for v in visits
        ],
        "findings": [
            {
                "date": timezone.localtime(f.recorded_at).date().isoformat(),
                "category": f.category.label,
            }
            for f in findings
        ],
        "referrals": [
            {
                "date": timezone.localtime(r.created_at).date().isoformat(),
                "kind": r.get_kind_display(),
                "organisation": str(r.organisation),
                "status": r.get_status_display(),
                "outcome": outcomes[r.pk].get_kind_display() if r.pk in outcomes else "",
            }
            for r in referrals
        ],
    }


def _destructions(*, project: Project) -> list[dict[str, Any]]:
    return [
        {
            "date": timezone.localtime(record.executed_at).date().isoformat(),
            "rule": record.get_rule_display(),
            "description": record.description,
            "rows": record.rows_destroyed,
        }
        for record in DestructionRecord.objects.filter(project=project).order_by("executed_at")
    ]


def inzage_facts(
    *, project: Project, person_key: str, address_keys: list[str], key_destroyed: bool
) -> dict[str, Any]:
    """What `project` holds on the person (`person_key`, '' for an address request) and the
    `address_keys`, as the answer of an inzageverzoek (JSON: it is stored with the request).
    After key destruction only the destruction records remain: nothing can be linked."""
    facts: dict[str, Any] = {
        "linked": not key_destroyed,
        "destructions": _destructions(project=project),
        "records": [],
        "vault": False,
        "risk": [],
        "selection": [],
        "visits": [],
        "findings": [],
        "referrals": [],
        "address_count": len(address_keys),
    }
    if key_destroyed:
        return facts
    facts["records"] = _records(project=project, person_key=person_key, address_keys=address_keys)
    facts["vault"] = bool(address_keys) and (
        AddressVaultEntry.objects.filter(project=project, address_key__in=address_keys).exists()
    )
    facts["risk"] = _risk(project=project, address_keys=address_keys)
    facts["selection"] = _selection(project=project, address_keys=address_keys)
    facts.update(_controls(project=project, address_keys=address_keys))
    return facts


# --- inzageverzoeken and objections ---------------------------------------------------------------


def inzage_request_list(*, project: Project) -> QuerySet[InzageRequest]:
    """The project's inzageverzoeken, newest first, with who answered them."""
    return InzageRequest.objects.filter(project=project).select_related("requested_by")


def inzage_request_get(*, project: Project, pk: int) -> InzageRequest:
    """One inzageverzoek of `project` (Http404 when absent or another project's)."""
    request = InzageRequest.objects.filter(project=project, pk=pk).select_related("requested_by")
    found = request.first()
    if found is None:
        raise Http404
    found.project = project  # loaded already: no query for the log and the objections
    return found


def inzage_objections(*, request: InzageRequest) -> list[Any]:
    """The objections and corrections recorded against the request's person or addresses."""
    return list(objections_for_subjects(project=request.project, subject_keys=request.subject_keys))


# --- the processing log ---------------------------------------------------------------------------


def processing_log_for_project(*, project: Project) -> QuerySet[ProcessingLogEntry]:
    """The processing-log records of `project`, newest first (the privacy officer's page; the
    filters narrow it). Never the chain's other projects."""
    return ProcessingLogEntry.objects.filter(project=project).order_by("-started_at", "-id")
