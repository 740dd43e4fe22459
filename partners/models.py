import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from .constants import ConvenantKind, OrganisationKind


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
    """A person working for one organisation. Project roles are in `projects.ProjectRole`."""

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
