import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from .constants import ApiScope, ConvenantKind, OrganisationKind


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
    # A client account (issue 14): the user a partner system's REST client acts as. It has no
    # password and cannot sign in to the pages; it holds project roles like a person, so that
    # the same selectors and permission checks apply to it unchanged.
    is_api_client = models.BooleanField("API-client", default=False, editable=False)

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


class ApiClient(models.Model):
    """A partner system's REST client: a hashed bearer token bound to one organisation and to
    its client account (`account`), with a scope and an expiry; revocable at once (R12)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisatie",
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    name = models.CharField("naam", max_length=100)
    account = models.OneToOneField(
        User, verbose_name="clientaccount", on_delete=models.PROTECT, related_name="api_client"
    )
    scope = models.CharField("bevoegdheid", max_length=30, choices=ApiScope.choices)
    # SHA-256 of the token (secrets.token_urlsafe(32)); the token itself is shown once.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The token's first characters, to recognise it in lists; never enough to use it.
    token_prefix = models.CharField("begin van het token", max_length=8, editable=False)
    expires_at = models.DateTimeField("geldig tot")
    revoked_at = models.DateTimeField("ingetrokken op", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uitgegeven door",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("uitgegeven op", auto_now_add=True)
    last_used_at = models.DateTimeField("laatst gebruikt", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["organisation__name", "name", "id"]
        verbose_name = "API-client"
        verbose_name_plural = "API-clients"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="api_client_name_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"
