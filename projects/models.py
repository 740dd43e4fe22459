import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format

from .constants import (
    RETENTION_AFTER_CLOSE_TOO_LONG,
    RETENTION_AFTER_CLOSE_WEEKS_MAX,
    RETENTION_SELECTION_MONTHS_MAX,
    RETENTION_SELECTION_TOO_LONG,
    RETENTION_UNSELECTED_TOO_LONG,
    RETENTION_UNSELECTED_WEEKS_MAX,
    Phase,
    ProjectPerm,
    Role,
)


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
        "bewaartermijn niet-geselecteerde adressen (weken na sluiten selectie)",
        default=4,
        validators=[
            MaxValueValidator(RETENTION_UNSELECTED_WEEKS_MAX, RETENTION_UNSELECTED_TOO_LONG)
        ],
    )
    retention_selection_months = models.PositiveSmallIntegerField(
        "bewaartermijn selectie (maanden, ten hoogste 24)",
        default=24,
        validators=[
            MaxValueValidator(RETENTION_SELECTION_MONTHS_MAX, RETENTION_SELECTION_TOO_LONG)
        ],
    )
    retention_after_close_weeks = models.PositiveSmallIntegerField(
        "bewaartermijn na afsluiten (weken)",
        default=4,
        validators=[
            MaxValueValidator(RETENTION_AFTER_CLOSE_WEEKS_MAX, RETENTION_AFTER_CLOSE_TOO_LONG)
        ],
    )
    referral_term_weeks = models.PositiveSmallIntegerField(
        "termijn doorverwijzingen (weken)",
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
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
        # The project's object permissions are ProjectPerm; view_project is Django's default.
        permissions = [(perm.value, perm.label) for perm in ProjectPerm if perm != ProjectPerm.VIEW]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_selection_months__lte=RETENTION_SELECTION_MONTHS_MAX),
                name="selection_retention_max_2y",
            ),
            models.CheckConstraint(
                condition=Q(retention_unselected_weeks__lte=RETENTION_UNSELECTED_WEEKS_MAX),
                name="unselected_retention_max_26w",
            ),
            models.CheckConstraint(
                condition=Q(retention_after_close_weeks__lte=RETENTION_AFTER_CLOSE_WEEKS_MAX),
                name="after_close_retention_max_52w",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        """The one answer to "is this project closed" (its phase, or the moment it closed)."""
        return self.phase == Phase.AFGESLOTEN or self.closed_at is not None


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


class ProjectPartnerQuerySet(models.QuerySet["ProjectPartner"]):
    def active(self) -> "ProjectPartnerQuerySet":
        """Participations that have not ended."""
        return self.filter(left_at__isnull=True)


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

    objects = ProjectPartnerQuerySet.as_manager()

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


class ProjectRoleQuerySet(models.QuerySet["ProjectRole"]):
    def active(self) -> "ProjectRoleQuerySet":
        """Roles that have not ended."""
        return self.filter(ended_at__isnull=True)


class ProjectRole(models.Model):
    """A person's role in a project. Its permissions are granted and revoked by the system."""

    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="roles"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="persoon",
        on_delete=models.PROTECT,
        related_name="project_roles",
    )
    role = models.CharField("rol", max_length=20, choices=Role.choices)
    started_at = models.DateTimeField("gestart", auto_now_add=True)
    ended_at = models.DateTimeField("beëindigd", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ProjectRoleQuerySet.as_manager()

    class Meta:
        ordering = ["project", "person__last_name", "role"]
        verbose_name = "projectrol"
        verbose_name_plural = "projectrollen"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_active_role_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} ({self.project})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
