from django.db import models


class Source(models.TextChoices):
    """The sources of formats.md §3."""

    BAG = "bag", "BAG – adressen in het projectgebied"
    BRP = "brp", "BRP – ingeschreven personen"
    UITKERING = "uitkering", "Uitkeringen"
    TOESLAG = "toeslag", "Toeslagen"
    HUUR = "huur", "Huurcontracten"
    KVK = "kvk", "KvK-inschrijvingen"
    ENERGIE = "energie", "Energieverbruik"
    SIGNAAL = "signaal", "Signalen (verwonderadressen)"
    EIGENDOM = "eigendom", "Eigendom (Kadaster, BRK)"


# Sources whose rows carry an address (address_key/nummeraanduiding_key columns): the BAG
# itself and the sources linked to the project area by address; the others name persons only.
ADDRESSED_SOURCES = frozenset(
    {
        Source.BAG,
        Source.BRP,
        Source.HUUR,
        Source.KVK,
        Source.ENERGIE,
        Source.SIGNAAL,
        Source.EIGENDOM,
    }
)

# Sources the risk indicators read (formats.md §4): a matching run uses only their deliveries.
# eigendom serves the owner view after the visits and is never matched.
MATCHED_SOURCES = frozenset(Source) - {Source.EIGENDOM}


class IssueSeverity(models.TextChoices):
    """A validation report line: an error (not stored) or a warning (stored, but look at it).
    The values are datasharing.intake.validation's ERROR and WARNING."""

    FOUT = "fout", "Fout"
    WAARSCHUWING = "waarschuwing", "Waarschuwing"


class DataRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    GELEVERD = "geleverd", "Geleverd"
    INGETROKKEN = "ingetrokken", "Ingetrokken"


class DeliveryStatus(models.TextChoices):
    ONTVANGEN = "ontvangen", "Ontvangen"
    VERWERKEN = "verwerken", "Wordt verwerkt"
    GEACCEPTEERD = "geaccepteerd", "Geaccepteerd"
    AFGEWEZEN = "afgewezen", "Afgewezen"
    VERVANGEN = "vervangen", "Vervangen door nieuwere levering"
    VERNIETIGD = "vernietigd", "Vernietigd"


class DestructionRule(models.TextChoices):
    NOT_SELECTED = "niet_geselecteerd", "Niet-geselecteerde adressen na sluiten selectie"
    SELECTION_EXPIRED = "selectie_verlopen", "Selectie ouder dan de bewaartermijn"
    PROJECT_CLOSED = "project_afgesloten", "Project afgesloten: alle persoonsgegevens"
    SUPERSEDED = "vervangen", "Vervangen levering"
