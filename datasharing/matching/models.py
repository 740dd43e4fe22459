"""Matching runs, their results, and the four-eyes selection built on them.

A run records exactly what it used (deliveries with content hashes, indicator settings, peildatum,
software version) so that years later anyone can show why an address was selected (R21, SyRI).
Results are written per chunk and become visible only when the run succeeds and is switched in
as the project's current run (R30). Addresses appear only as keyed pseudonyms; the real address
is shown only after approval, through re-identification from the address vault (R20).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from datasharing.models import KEY_LENGTH

from .constants import ProposalStatus, ResultStatus, RunStatus


class IndicatorSettingsRecord(models.Model):
    """A project's thresholds and weights: only the engine's whitelisted knobs exist as columns.

    There is no free-form field through which an attribute could be added, so a protected
    attribute (nationaliteit, geslacht, …) cannot be configured as an indicator by construction.
    """

    project = models.OneToOneField(
        "projects.Project", on_delete=models.PROTECT, related_name="indicator_settings"
    )
    overbewoning_m2_per_person = models.PositiveSmallIntegerField(
        "overbewoning: minder dan … m² per persoon", validators=[MinValueValidator(1)]
    )
    leeg_min_kwh = models.PositiveIntegerField(
        "leeg maar verbruik: minstens … kWh", validators=[MinValueValidator(1)]
    )
    alleenstaand_min_other_adults = models.PositiveSmallIntegerField(
        "alleenstaand: minstens … andere volwassenen", validators=[MinValueValidator(1)]
    )
    bedrijven_min_kvk = models.PositiveSmallIntegerField(
        "bedrijven op woonadres: minstens … KvK-nummers", validators=[MinValueValidator(1)]
    )
    verhuis_min_inschrijvingen = models.PositiveSmallIntegerField(
        "verhuisdynamiek: minstens … inschrijvingen", validators=[MinValueValidator(1)]
    )
    verhuis_window_days = models.PositiveSmallIntegerField("verhuisdynamiek: in de laatste … dagen")
    samenloop_min_partners = models.PositiveSmallIntegerField(
        "samenloop: minstens … partners", validators=[MinValueValidator(1)]
    )
    weights = models.JSONField("gewichten per indicator", default=dict)
    enabled = models.JSONField("ingeschakelde indicatoren", default=list)
    risk_threshold = models.PositiveSmallIntegerField(
        "risicodrempel (minimale score)", validators=[MinValueValidator(1)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "indicatorinstelling"
        verbose_name_plural = "indicatorinstellingen"

    def __str__(self) -> str:
        return f"Indicatorinstellingen van {self.project}"


class MatchingRun(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="matching_runs"
    )
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("voortgang (%)", default=0)
    chunk_count = models.PositiveSmallIntegerField("aantal delen", default=1)
    peildatum = models.DateField()
    settings_snapshot = models.JSONField("indicatorinstellingen", default=dict)
    deliveries_used = models.JSONField("gebruikte leveringen", default=list)
    software_version = models.CharField("softwareversie", max_length=100)
    not_evaluated = models.JSONField("niet geëvalueerde indicatoren", default=list)
    counts = models.JSONField("aantallen", default=dict, blank=True)
    address_count = models.PositiveIntegerField("aantal adressen", default=0)
    risk_address_count = models.PositiveIntegerField("aantal risicoadressen", default=0)
    # The buurtcodes of the run's risk addresses, sorted: the risk list's buurt filter. Set once
    # when the run succeeds (the list read DISTINCT over every risk row per request); emptied
    # with the rows by retention.
    risk_buurten = models.JSONField("buurten met risicoadressen", default=list, blank=True)
    is_current = models.BooleanField("huidige run", default=False)
    error = models.TextField("foutmelding", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "matchingrun"
        verbose_name_plural = "matchingruns"
        constraints = [
            # At most one current run per project: the switch is one atomic UPDATE pair (R30).
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="one_current_run"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run",
            ),
            models.CheckConstraint(
                condition=~Q(is_current=True) | Q(status="succeeded"), name="current_run_succeeded"
            ),
        ]

    def __str__(self) -> str:
        return f"Matchingrun {self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class MatchingChunk(models.Model):
    """A finished chunk of a run; the unique constraint makes a redelivered chunk count once."""

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveSmallIntegerField()
    address_count = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="one_result_per_chunk")
        ]

    def __str__(self) -> str:
        return f"Deel {self.index} van run {self.run_id}"


class MatchingChunkLease(models.Model):
    """Who is working on a chunk and their latest sign of life (issue 16.1, R27).

    A chunk task takes the lease when it starts (attempt + 1) and refreshes `heartbeat_at`
    every few seconds from a thread; the watchdog (services.watchdog, Celery beat) re-dispatches
    a chunk whose heartbeat went stale, i.e. whose worker is gone, in minutes rather than after
    the broker's visibility timeout. `redispatched_at` is set when the watchdog sent the chunk
    again; attempt 0 is a chunk the watchdog sent that no worker had started.
    """

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="leases")
    index = models.PositiveSmallIntegerField()
    attempt = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    redispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="one_lease_per_chunk")]

    def __str__(self) -> str:
        return f"Lease deel {self.index} van run {self.run_id} (poging {self.attempt})"


class RiskAddress(models.Model):
    """One address of the bag delivery in one run: its score and, compactly, its results.

    `results` holds only the fired and the not-evaluated indicators of this address
    ({code: {"status", "figures", "explanation"}}) so the risk list needs one query per page.
    """

    run = models.ForeignKey(
        MatchingRun,
        on_delete=models.CASCADE,
        related_name="addresses",
        # Served by the unique (run, address_key) index; no database constraint, for the reason
        # given at datasharing.models.bulk_rows_delivery: the chunk's transaction holds the run.
        db_index=False,
        db_constraint=False,
    )
    chunk = models.PositiveSmallIntegerField()
    address_key = models.CharField(max_length=KEY_LENGTH)
    pseudonym = models.CharField("pseudoniem", max_length=16)
    buurtcode = models.CharField("buurt", max_length=10, blank=True)
    score = models.PositiveSmallIntegerField("score")
    is_risk = models.BooleanField("risicoadres")
    fired = models.JSONField("indicatoren die afgaan", default=list)
    results = models.JSONField(default=dict)

    class Meta:
        verbose_name = "risicoadres"
        verbose_name_plural = "risicoadressen"
        constraints = [
            models.UniqueConstraint(fields=["run", "address_key"], name="one_risk_address_per_run"),
        ]
        # Few indexes on purpose: every one costs time on each of a city's 250 000 rows per run.
        # The unique (run, address_key) serves a chunk's key range; the risk list is partial.
        indexes = [
            models.Index(
                fields=["run", "-score", "pseudonym"],
                condition=Q(is_risk=True),
                name="riskaddress_risk_list",
            ),
        ]

    def __str__(self) -> str:
        return f"Adres {self.pseudonym} (score {self.score})"


class IndicatorResult(models.Model):
    """One indicator for one address in one run, stored when it fired or was not evaluated.

    Indicators that are not evaluated for the whole run (a source was not delivered) are kept
    once on the run (`MatchingRun.not_evaluated`); an absent row otherwise means "not fired".
    """

    run = models.ForeignKey(
        MatchingRun,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,  # as RiskAddress.run
        db_constraint=False,
    )
    chunk = models.PositiveSmallIntegerField()
    address_key = models.CharField(max_length=KEY_LENGTH)
    indicator = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    figures = models.JSONField(default=dict)
    explanation = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "indicatoruitkomst"
        verbose_name_plural = "indicatoruitkomsten"
        constraints = [
            # R27: a redelivered chunk can never duplicate a result.
            models.UniqueConstraint(
                fields=["run", "address_key", "indicator"], name="one_result_per_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.get_status_display()}"


class SelectionProposal(models.Model):
    """An analyst's proposal to visit an address, and the projectleider's decision (four eyes)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="selection_proposals"
    )
    run = models.ForeignKey(MatchingRun, on_delete=models.PROTECT, related_name="proposals")
    risk_address = models.ForeignKey(
        RiskAddress, on_delete=models.PROTECT, related_name="proposals"
    )
    address_key = models.CharField(max_length=KEY_LENGTH)
    pseudonym = models.CharField("pseudoniem", max_length=16)
    buurtcode = models.CharField("buurt", max_length=10, blank=True)
    snapshot = models.JSONField("score en indicatoren bij voordracht", default=dict)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("reden van voordracht")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField("reden van besluit", blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = "selectievoorstel"
        verbose_name_plural = "selectievoorstellen"
        constraints = [
            # R6: four eyes, also in the database.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="proposer_is_not_approver",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_by__isnull=True)
                | (~Q(status="proposed") & Q(decided_by__isnull=False)),
                name="decision_has_decider",
            ),
            models.UniqueConstraint(
                fields=["project", "address_key"],
                condition=Q(status__in=["proposed", "approved"]),
                name="one_open_proposal_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"Voorstel {self.pseudonym} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.PROPOSED


class SelectionClosure(models.Model):
    """The moment a project's selection was closed; from then retention periods run."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.PROTECT, related_name="selection_closure"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)
    approved_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "gesloten selectie"
        verbose_name_plural = "gesloten selecties"

    def __str__(self) -> str:
        return f"Selectie van {self.project} gesloten"


class Reidentification(models.Model):
    """One showing of one approved address's real address, with its reason (R20/R21)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    proposal = models.ForeignKey(
        SelectionProposal, on_delete=models.PROTECT, related_name="reidentifications"
    )
    address_key = models.CharField(max_length=KEY_LENGTH)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("reden")
    processing_log_operation_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "herleiding"
        verbose_name_plural = "herleidingen"

    def __str__(self) -> str:
        return f"Herleiding {self.pk} door {self.actor}"
