"""The owner view (issue 12.4): owners, by pseudonym, who own two or more addresses of the
project where a visit found something, with those addresses and findings.

The owner comes from the `eigendom` source (Kadaster), pseudonymised at intake: a person's BSN
as `person_key`, a company's kvk_nummer as `kvk_key` (datasharing.models.EigendomRecord). Only
the latest accepted eigendom delivery counts. Reading the view needs VIEW_PSEUDONYMISED (the
caller passed ProjectScopedMixin with it): pseudonyms and finding categories only, no address.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404

from datasharing.constants import DeliveryStatus, Source
from datasharing.matching.services.chunks import display_pseudonym
from datasharing.models import Delivery, EigendomRecord
from projects.models import Project

from ..constants import OwnerRevealStatus
from ..models import Finding, OwnerRevealRequest, Visit

MIN_ADDRESSES = 2


@dataclass
class OwnerRow:
    owner_key: str
    owner_kind: str  # "bsn" or "kvk"
    soort: str  # natuurlijk persoon / rechtspersoon
    visits: list[Visit] = field(default_factory=list)
    reveal: OwnerRevealRequest | None = None  # the latest request to re-identify

    @property
    def pseudonym(self) -> str:
        return display_pseudonym(self.owner_key)

    @property
    def findings(self) -> list[Finding]:
        return [finding for visit in self.visits for finding in visit.findings.all()]


def owners_with_findings(*, project: Project) -> list[OwnerRow]:
    """Owners of at least MIN_ADDRESSES addresses of `project` with findings, most addresses
    first; each with those visits (findings and categories prefetched) and its latest
    re-identification request."""
    visits = list(
        Visit.objects.filter(project=project, findings__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("category").order_by("pk"))
        )
        .order_by("pk")
    )
    by_address: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_address[visit.address_key].append(visit)
    if not by_address:
        return []
    deliveries = Delivery.objects.filter(
        project=project, status=DeliveryStatus.GEACCEPTEERD, data_request__source=Source.EIGENDOM
    ).values("pk")
    records = EigendomRecord.objects.filter(
        project=project, delivery_id__in=deliveries, address_key__in=list(by_address)
    ).values_list("address_key", "person_key", "kvk_key", "eigenaar_soort")
    owners: dict[str, OwnerRow] = {}
    addresses: dict[str, set[str]] = defaultdict(set)
    for address_key, person_key, kvk_key, soort in records:
        key, kind = (person_key, "bsn") if person_key else (kvk_key, "kvk")
        if not key:
            continue
        owners.setdefault(key, OwnerRow(owner_key=key, owner_kind=kind, soort=soort))
        addresses[key].add(address_key)
    rows = []
    for key, row in owners.items():
        if len(addresses[key]) < MIN_ADDRESSES:
            continue
        row.visits = sorted(
            (visit for address in addresses[key] for visit in by_address[address]),
            key=lambda visit: visit.pk,
        )
        rows.append(row)
    latest: dict[str, OwnerRevealRequest] = {}
    for request in (
        OwnerRevealRequest.objects.filter(
            project=project, owner_key__in=[r.owner_key for r in rows]
        )
        .select_related("requested_by", "decided_by")
        .order_by("requested_at", "pk")
    ):
        latest[request.owner_key] = request
    for row in rows:
        row.reveal = latest.get(row.owner_key)
    return sorted(rows, key=lambda row: (-len(row.visits), row.pseudonym))


def owner_get(*, project: Project, owner_key: str) -> OwnerRow:
    """One owner of the owner view, or Http404 (not an owner of two addresses with findings)."""
    for row in owners_with_findings(project=project):
        if row.owner_key == owner_key:
            return row
    raise Http404


def owner_reveal_get(*, project: Project, pk: int) -> OwnerRevealRequest:
    """A re-identification request of `project`, or Http404."""
    request = (
        OwnerRevealRequest.objects.filter(project=project, pk=pk)
        .select_related("requested_by")
        .first()
    )
    if request is None:
        raise Http404
    return request


def owner_reveal_open(*, project: Project, owner_key: str) -> bool:
    return OwnerRevealRequest.objects.filter(
        project=project, owner_key=owner_key, status=OwnerRevealStatus.AANGEVRAAGD
    ).exists()
