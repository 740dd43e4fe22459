"""KPI targets of a plan version and the generated PDF reports (issue 13).

Neither holds personal data: a target is a number per measure; a report version keeps the
figures it printed (aggregates) and the PDF, which is made from aggregates only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from datasharing.matching.indicators.registry import INDICATORS, IndicatorCode

from .constants import IndicatorDecisionKind, KpiMeasure, ReportKind, ReportStatus


def report_upload_to(instance: ReportVersion, filename: str) -> str:
    # Server-generated names only (security R14); served only through the download view.
    return f"rapportages/{uuid.uuid4().hex}.pdf"


class KpiTarget(models.Model):
    """One prestatieafspraak of a plan version: a measure of the fixed list and its target."""

    plan_version = models.ForeignKey(
        "projects.ProjectplanVersion", on_delete=models.CASCADE, related_name="kpi_targets"
    )
    measure = models.CharField("maatstaf", max_length=40, choices=KpiMeasure.choices)
    target = models.DecimalField(
        "doel", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan_version", "measure"]
        verbose_name = "prestatieafspraak"
        verbose_name_plural = "prestatieafspraken"
        constraints = [
            models.UniqueConstraint(
                fields=["plan_version", "measure"], name="one_target_per_measure"
            ),
            models.CheckConstraint(condition=models.Q(target__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.target}"


class ReportVersion(models.Model):
    """One generated tussen- or eindrapportage; earlier versions are kept."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="report_versions"
    )
    kind = models.CharField("soort", max_length=20, choices=ReportKind.choices)
    number = models.PositiveIntegerField("versie")
    status = models.CharField(
        "status", max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField("voortgang (%)", default=0)
    file = models.FileField(upload_to=report_upload_to, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    figures = models.JSONField("kerncijfers bij het maken", default=dict, blank=True)
    error = models.TextField("foutmelding", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "rapportageversie"
        verbose_name_plural = "rapportageversies"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "number"], name="one_number_per_report_kind"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_report_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} versie {self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.project.slug}-v{self.number}.pdf"


class IndicatorDecision(models.Model):
    """The projectleider's decision on an indicator flagged for its low hit rate (issue 15
    item 3): keep it (with a reason) or drop it. Part of the method's history; keeps the
    figures it was taken on. No personal data: counts only."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="indicator_decisions"
    )
    indicator = models.CharField("indicator", max_length=40)
    decision = models.CharField("besluit", max_length=20, choices=IndicatorDecisionKind.choices)
    reason = models.TextField("reden", blank=True)
    visited = models.PositiveIntegerField("bezochte adressen waar de indicator afging")
    confirmed = models.PositiveIntegerField("waarvan met een bevinding")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("besloten op", auto_now_add=True)

    class Meta:
        ordering = ["project", "-decided_at", "-id"]
        verbose_name = "besluit over een indicator"
        verbose_name_plural = "besluiten over indicatoren"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decision="behouden") | ~models.Q(reason=""),
                name="keep_decision_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed__lte=models.F("visited")),
                name="decision_confirmed_within_visited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.indicator}"

    @property
    def indicator_name(self) -> str:
        """The indicator's Dutch name (its code when the engine no longer knows it)."""
        try:
            return INDICATORS[IndicatorCode(self.indicator)].name
        except ValueError:
            return self.indicator
