"""The public page of a project (issue 15 item 1): whether the projectleider published it, and
the intro they wrote. Everything else on the page is read from the project at request time,
as aggregates and categories only: no personal data, no pseudonyms, no address keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .constants import INTRO_MAX_LENGTH, PublicPageStatus


class PublicPage(models.Model):
    project = models.OneToOneField(
        "projects.Project", on_delete=models.PROTECT, related_name="public_page"
    )
    status = models.CharField(
        max_length=20, choices=PublicPageStatus.choices, default=PublicPageStatus.CONCEPT
    )
    intro = models.TextField(
        "inleiding van de projectleider", blank=True, max_length=INTRO_MAX_LENGTH
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("gepubliceerd op", null=True, blank=True)
    withdrawn_at = models.DateTimeField("ingetrokken op", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "openbare projectpagina"
        verbose_name_plural = "openbare projectpagina's"

    def __str__(self) -> str:
        return f"Openbare pagina van {self.project}"

    @property
    def is_published(self) -> bool:
        return self.status == PublicPageStatus.GEPUBLICEERD
