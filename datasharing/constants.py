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


# What a delivery may be, and how large (security R14). Checked at upload (services.deliveries,
# so a too-large file is refused at once) and again by the reader (intake.reading).
DELIVERY_EXTENSIONS = (".csv", ".xlsx")
DELIVERY_CSV_MAX_BYTES = 200 * 1024 * 1024
DELIVERY_XLSX_MAX_BYTES = 64 * 1024 * 1024
# Checked on the zip's central directory *before* openpyxl parses anything (zip bomb). Python's
# zipfile never inflates an entry beyond its declared size, so the declared sizes are binding.
XLSX_MAX_ENTRIES = 1_000
XLSX_MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
XLSX_MAX_RATIO = 200  # uncompressed / compressed


class DataRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    GELEVERD = "geleverd", "Geleverd"
    INGETROKKEN = "ingetrokken", "Ingetrokken"


# A data request is delivered on once a delivery is accepted; withdrawn, it takes no more.
DATA_REQUEST_TRANSITIONS: dict[DataRequestStatus, set[DataRequestStatus]] = {
    DataRequestStatus.OPEN: {DataRequestStatus.GELEVERD, DataRequestStatus.INGETROKKEN},
    DataRequestStatus.GELEVERD: {DataRequestStatus.INGETROKKEN},
    DataRequestStatus.INGETROKKEN: set(),
}


class DeliveryStatus(models.TextChoices):
    ONTVANGEN = "ontvangen", "Ontvangen"
    VERWERKEN = "verwerken", "Wordt verwerkt"
    GEACCEPTEERD = "geaccepteerd", "Geaccepteerd"
    AFGEWEZEN = "afgewezen", "Afgewezen"
    # Not processed because of a fault (the queue was down, the processing broke): nothing is
    # stored, the raw file is gone, and the same file may be delivered again (issue 8 item 5).
    MISLUKT = "mislukt", "Niet verwerkt door een storing"
    VERVANGEN = "vervangen", "Vervangen door nieuwere levering"
    VERNIETIGD = "vernietigd", "Vernietigd"


# An upload is received, processed, then accepted or rejected; a newer accepted delivery of
# the same data request replaces it; retention destroys any delivery that is not yet destroyed.
DELIVERY_TRANSITIONS: dict[DeliveryStatus, set[DeliveryStatus]] = {
    # ontvangen → mislukt: the job could not be queued (broker down); never stuck `ontvangen`.
    DeliveryStatus.ONTVANGEN: {
        DeliveryStatus.VERWERKEN,
        DeliveryStatus.MISLUKT,
        DeliveryStatus.VERNIETIGD,
    },
    DeliveryStatus.VERWERKEN: {
        DeliveryStatus.GEACCEPTEERD,
        DeliveryStatus.AFGEWEZEN,
        DeliveryStatus.MISLUKT,
        DeliveryStatus.VERNIETIGD,
    },
    DeliveryStatus.GEACCEPTEERD: {DeliveryStatus.VERVANGEN, DeliveryStatus.VERNIETIGD},
    DeliveryStatus.AFGEWEZEN: {DeliveryStatus.VERNIETIGD},
    DeliveryStatus.MISLUKT: {DeliveryStatus.VERNIETIGD},
    DeliveryStatus.VERVANGEN: {DeliveryStatus.VERNIETIGD},
    DeliveryStatus.VERNIETIGD: set(),
}


class DestructionRule(models.TextChoices):
    NOT_SELECTED = "niet_geselecteerd", "Niet-geselecteerde adressen na sluiten selectie"
    SELECTION_EXPIRED = "selectie_verlopen", "Selectie ouder dan de bewaartermijn"
    PROJECT_CLOSED = "project_afgesloten", "Project afgesloten: alle persoonsgegevens"
    SUPERSEDED = "vervangen", "Vervangen levering"


# Jobs (wijkaanpak.core.jobs) of data sharing, registered in apps.py.
JOB_DELIVERY_PROCESS = "delivery_process"


# --- objections and corrections (issue 15 item 4) ---


class ObjectionKind(models.TextChoices):
    BEZWAAR = "bezwaar", "Bezwaar (art. 21 AVG)"
    CORRECTIE = "correctie", "Correctie (bijvoorbeeld BRP-inschrijving gecorrigeerd)"


class ObjectionSubject(models.TextChoices):
    """What an objection is recorded against: an address key or a person pseudonym."""

    ADDRESS = "adres", "Adres"
    PERSON = "persoon", "Persoon"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "Open"
    AFGEHANDELD = "afgehandeld", "Afgehandeld"


OBJECTION_TRANSITIONS: dict[ObjectionStatus, set[ObjectionStatus]] = {
    ObjectionStatus.OPEN: {ObjectionStatus.AFGEHANDELD},
    ObjectionStatus.AFGEHANDELD: set(),
}
