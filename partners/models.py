import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from .constants import ConvenantKind, OrganisationKind, Role


class Organisation(models.Model):
    name = models.CharField("naam", max_length=200, unique=True)
    kind = models.CharField("soort", max_length=30, choices=OrganisationKind.choices)
    gemeentecode = models.CharField(
        "gemeentecode", max_length=4, blank=True, help_text="CBS-code, alleen voor gemeenten."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "organisatie"
        verbose_name_plural = "organisaties"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person working for one organisation. Project roles are in `ProjectRole`."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisatie",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )

    class Meta:
        verbose_name = "persoon"
        verbose_name_plural = "personen"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def convenant_upload_to(instance, filename: str) -> str:
    # File names are generated on the server (security R14); the original name is not kept.
    return f"convenanten/{uuid.uuid4().hex}.pdf"


class Convenant(models.Model):
    """The legal basis on which an organisation shares data: LSI-convenant or aanvullend.

    An aanvullend convenant may be limited to one project.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisatie",
        on_delete=models.PROTECT,
        related_name="convenanten",
    )
    kind = models.CharField("soort", max_length=20, choices=ConvenantKind.choices)
    reference = models.CharField("kenmerk", max_length=100)
    document = models.FileField("document", upload_to=convenant_upload_to, blank=True)
    valid_from = models.DateField("geldig vanaf")
    valid_until = models.DateField("geldig tot en met", null=True, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="convenanten",
        help_text="Alleen voor een aanvullend convenant dat voor één project geldt.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "-valid_from"]
        verbose_name = "convenant"
        verbose_name_plural = "convenanten"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="convenant_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.organisation} ({self.reference})"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ProjectRole(models.Model):
    """A person's role in a project. Its permissions are granted and revoked by the system."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="project", on_delete=models.PROTECT, related_name="roles"
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
