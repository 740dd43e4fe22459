"""Destruction of matching's personal data, registered with datasharing's retention (apps.py).

Risk addresses, indicator results, proposals and re-identifications hold address pseudonyms:
personal data. They go when the selection's retention period ends (at most 2 years) and when a
closed project's retention period ends. The runs themselves stay: their settings, delivery
hashes and counts hold no personal data and keep the method verifiable; the buurten of their
risk addresses (`MatchingRun.risk_buurten`, read from those rows) go with the rows.
"""

from datetime import datetime

from django.db import transaction

from projects.models import Project

from .models import (
    IndicatorResult,
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionProposal,
)


@transaction.atomic
def matching_personal_data_destroy(project: Project, now: datetime | None = None) -> dict[str, int]:
    """Delete every pseudonymised row of the project's runs and selection; counts per table."""
    counts: dict[str, int] = {}
    for model, scope in (
        (Reidentification, {"project": project}),
        (SelectionProposal, {"project": project}),
        (IndicatorResult, {"run__project": project}),
        (RiskAddress, {"run__project": project}),
    ):
        # _raw_delete: one DELETE per table, no per-row collector for hundreds of thousands of rows.
        queryset = model.objects.filter(**scope)
        counts[model._meta.db_table] = queryset._raw_delete(queryset.db)
    MatchingRun.objects.filter(project=project).update(risk_buurten=[])
    return counts
