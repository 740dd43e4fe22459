import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format

from .constants import Phase


def document_upload_to(instance, filename: str) -> str:
    # Server-generated names only (security R14).
    return f"projectdocumenten/{uuid.uuid4().hex}.pdf"


class Project(models.Model):
    municipality = models.ForeignKey(
        "partners.Organisation",
        verbose_name="gemeente",
        on_delete=models.PROTECT,
        related_name="projects",
    )
    name = models.CharField("naam", max_length=200)
    slug = models.SlugField("korte naam", max_length=80, unique=True)
    problem_analysis = models.TextField("probleemanalyse", blank=True)
    buurtcodes = models.JSONField("buurtcodes", default=list, blank=True)
    postcodes = models.JSONField("postcodes", default=list, blank=True)
    peildatum = models.DateField("peildatum", null=True, blank=True)
    period_start = models.DateField("looptijd vanaf", null=True, blank=True)
    period_end = models.DateField("looptijd tot en met", null=True, blank=True)
    phase = models.CharField("fase", max_length=20, choices=Phase.choices, default=Phase.INITIATIE)
    retention_unselected_weeks = models.PositiveSmallIntegerField(
        "bewaartermijn niet-geselecteerde adressen (weken na sluiten selectie)", default=4
    )
    retention_selection_months = models.PositiveSmallIntegerField(
        "bewaartermijn selectie (maanden, ten hoogste 24)", default=24
    )
    retention_after_close_weeks = models.PositiveSmallIntegerField(
        "bewaartermijn na afsluiten (weken)", default=4
    )
    closed_at = models.DateTimeField("afgesloten op", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "project"
        verbose_name_plural = "projecten"
        permissions = [
            ("manage_project", "Project beheren"),
            ("deliver_data", "Gegevens leveren"),
            ("view_pseudonymised", "Gepseudonimiseerde gegevens inzien"),
            ("run_matching", "Matching starten"),
            ("propose_selection", "Adressen voordragen"),
            ("approve_selection", "Selectie goedkeuren"),
            ("view_addresses", "Herleide adressen inzien"),
            ("plan_controls", "Controleavonden plannen"),
            ("record_visits", "Bezoeken vastleggen"),
            ("handle_referrals", "Doorverwijzingen afhandelen"),
            ("view_aggregates", "Voortgang inzien"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_selection_months__lte=24), name="selection_retention_max_2y"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Collegebesluit(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="collegebesluiten")
    date = models.DateField("datum besluit")
    reference = models.CharField("kenmerk", max_length=100)
    document = models.FileField("besluit (pdf)", upload_to=document_upload_to)
    capacity_settled = models.BooleanField("capaciteit en middelen geregeld", default=False)
    data_permission = models.BooleanField(
        "toestemming gemeentelijke gegevens te verstrekken", default=False
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "collegebesluit"
        verbose_name_plural = "collegebesluiten"

    def __str__(self) -> str:
        return f"Collegebesluit {self.reference} ({date_format(self.date)})"


class Projectvoorstel(models.Model):
    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="projectvoorstel"
    )
    submitted_on = models.DateField("ingediend bij de LSI op")
    document = models.FileField("voorstel (pdf)", upload_to=document_upload_to, blank=True)
    lsi_instemming_date = models.DateField("datum instemming LSI", null=True, blank=True)
    lsi_instemming_reference = models.CharField(
        "kenmerk instemming LSI", max_length=100, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "projectvoorstel"
        verbose_name_plural = "projectvoorstellen"

    def __str__(self) -> str:
        return f"Projectvoorstel {self.project}"

    @property
    def has_instemming(self) -> bool:
        return bool(self.lsi_instemming_date and self.lsi_instemming_reference)


class ProjectplanVersion(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plan_versions")
    version = models.PositiveIntegerField("versie")
    goals = models.TextField("doelen")
    approach = models.TextField("aanpak (balans preventie en repressie)")
    indicators_rationale = models.TextField("indicatoren en waarom")
    data_per_partner = models.TextField("gegevens per partner")
    planning = models.TextField("planning")
    communication = models.TextField("communicatie met bewoners")
    retention = models.TextField("bewaartermijnen en hun grondslag")
    document = models.FileField("plan (pdf)", upload_to=document_upload_to, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField("vastgesteld op", null=True, blank=True)

    class Meta:
        ordering = ["project", "-version"]
        verbose_name = "projectplanversie"
        verbose_name_plural = "projectplanversies"
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_plan_version"),
        ]

    def __str__(self) -> str:
        return f"Projectplan {self.project} v{self.version}"


class PlanAcknowledgement(models.Model):
    """A partner organisation's acknowledgement of an adopted projectplan version."""

    plan_version = models.ForeignKey(
        ProjectplanVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kennisname projectplan"
        verbose_name_plural = "kennisnames projectplan"
        constraints = [
            models.UniqueConstraint(
                fields=["plan_version", "organisation"], name="one_ack_per_org"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Kennisname van planversie {self.plan_version_id} "
            f"door organisatie {self.organisation_id}"
        )


class Dpia(models.Model):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="dpia")
    vastgesteld = models.BooleanField("vastgesteld", default=False)
    date = models.DateField("datum vaststelling", null=True, blank=True)
    reference = models.CharField("kenmerk", max_length=100, blank=True)
    document = models.FileField("DPIA (pdf)", upload_to=document_upload_to, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "DPIA"
        verbose_name_plural = "DPIA's"

    def __str__(self) -> str:
        return f"DPIA {self.project}"


class ProjectPartner(models.Model):
    """An organisation taking part in a project. Data access also needs a valid convenant."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="partners")
    organisation = models.ForeignKey(
        "partners.Organisation",
        verbose_name="organisatie",
        on_delete=models.PROTECT,
        related_name="participations",
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = "projectpartner"
        verbose_name_plural = "projectpartners"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"],
                condition=Q(left_at__isnull=True),
                name="one_active_participation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.project}"


class PhaseTransition(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="transitions")
    from_phase = models.CharField(max_length=20, choices=Phase.choices)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "at", "id"]
        verbose_name = "faseovergang"
        verbose_name_plural = "faseovergangen"

    def __str__(self) -> str:
        return f"{self.project}: {self.from_phase} → {self.to_phase}"
