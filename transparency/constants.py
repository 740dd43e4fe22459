"""The public project page's lifecycle (style rules 9–11) and its service messages."""

from __future__ import annotations

from django.db import models

from projects.constants import Phase


class PublicPageStatus(models.TextChoices):
    CONCEPT = "concept", "Nog niet gepubliceerd"
    GEPUBLICEERD = "gepubliceerd", "Gepubliceerd"
    INGETROKKEN = "ingetrokken", "Ingetrokken"


# Publishing again while published replaces the intro (a new publication, with its Event).
PUBLIC_PAGE_TRANSITIONS: dict[PublicPageStatus, set[PublicPageStatus]] = {
    PublicPageStatus.CONCEPT: {PublicPageStatus.GEPUBLICEERD},
    PublicPageStatus.GEPUBLICEERD: {PublicPageStatus.GEPUBLICEERD, PublicPageStatus.INGETROKKEN},
    PublicPageStatus.INGETROKKEN: {PublicPageStatus.GEPUBLICEERD},
}

# From the data-uitvraag on: before it no data is asked of anyone, so nothing is to be told.
PUBLISH_FROM_PHASE = Phase.DATA_UITVRAAG
INTRO_MAX_LENGTH = 3000

PUBLISH_NOT_ALLOWED = "Alleen de projectleider publiceert de openbare projectpagina."
PUBLISH_TOO_EARLY = (
    "De openbare projectpagina kan pas gepubliceerd worden vanaf de fase Data-uitvraag en intake."
)
WITHDRAW_NOT_PUBLISHED = "De projectpagina is niet gepubliceerd; er is niets in te trekken."
