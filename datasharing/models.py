"""Data requests, deliveries and the pseudonymised records they hold.

Raw identifiers never reach these tables: every BSN, address, BAG id and KvK number is a keyed
pseudonym (HMAC-SHA-256, hex) made with the project's key of `key_version`. Real addresses are
kept only encrypted, in the address vault, for re-identification after four-eyes selection.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .constants import (
    DataRequestStatus,
    DeliveryStatus,
    DestructionRule,
    IssueSeverity,
    ObjectionKind,
    ObjectionStatus,
    ObjectionSubject,
    Source,
)

KEY_LENGTH = 64  # hex HMAC-SHA-256


class ProjectKey(models.Model):
    """A project's pseudonymisation key, stored only wrapped by the master key (R18/R19)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="keys")
    version = models.PositiveSmallIntegerField()
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    # Set on the key project_key_rotate returns: the re-keyed rows per table (not stored).
    rekeyed_rows: dict[str, int]

    class Meta:
        verbose_name = "projectsleutel"
        verbose_name_plural = "projectsleutels"
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_key_version"),
        ]

    def __str__(self) -> str:
        return f"Sleutel v{self.version} van {self.project}"


class DataRequest(models.Model):
    """A data-uitvraag: what one partner organisation delivers from one source, and why."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="data_requests"
    )
    organisation = models.ForeignKey(
        "partners.Organisation",
        verbose_name="leverende partner",
        on_delete=models.PROTECT,
        related_name="data_requests",
    )
    source = models.CharField("bron", max_length=20, choices=Source.choices)
    legal_ground = models.TextField("grondslag")
    requested_columns = models.JSONField("gevraagde kolommen", default=list)
    deadline = models.DateField("uiterste leverdatum")
    status = models.CharField(
        max_length=20, choices=DataRequestStatus.choices, default=DataRequestStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField("ingetrokken op", null=True, blank=True)
    withdrawn_reason = models.TextField("reden intrekking", blank=True)

    class Meta:
        ordering = ["project", "source", "organisation__name"]
        verbose_name = "gegevensuitvraag"
        verbose_name_plural = "gegevensuitvragen"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation", "source"],
                condition=~Q(status=DataRequestStatus.INGETROKKEN),
                name="one_open_request_per_partner_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} van {self.organisation}"


def delivery_upload_to(instance, filename: str) -> str:
    # Server-generated name; the raw file is deleted after intake (R17).
    return f"leveringen/{uuid.uuid4().hex}"


# Statuses in which an earlier delivery of the same file counts as a duplicate.
DUPLICATE_STATUSES = ("ontvangen", "verwerken", "geaccepteerd", "vervangen", "afgewezen")


class Delivery(models.Model):
    """One uploaded file against a data request. Its report holds no raw identifier."""

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.PROTECT, related_name="deliveries"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="deliveries"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="deliveries"
    )
    source = models.CharField("bron", max_length=20, choices=Source.choices)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.ONTVANGEN
    )
    progress = models.PositiveSmallIntegerField("voortgang (%)", default=0)
    original_filename = models.CharField("bestandsnaam", max_length=255)
    file_format = models.CharField("formaat", max_length=10)
    size_bytes = models.PositiveBigIntegerField(default=0)
    content_hash = models.CharField("inhoudshash (SHA-256)", max_length=64)
    raw_file = models.FileField(upload_to=delivery_upload_to, blank=True)
    key_version = models.PositiveSmallIntegerField(null=True, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField("validatierapport", default=dict, blank=True)
    error_message = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField("vernietigd op", null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    # A BAG delivery's rows per buurtcode ("" = none), counted once in the transaction that
    # accepts them: the dashboard's area figures read this instead of counting ~250 000 rows
    # per request (reports.selectors; bench/README.md). Counts only, no identifier.
    area_counts = models.JSONField("adressen per buurt", default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "levering"
        verbose_name_plural = "leveringen"
        constraints = [
            # The same file twice to one data request is refused (formats.md §1).
            models.UniqueConstraint(
                fields=["data_request", "content_hash"],
                condition=Q(status__in=DUPLICATE_STATUSES),
                name="no_duplicate_delivery",
            ),
        ]

    def __str__(self) -> str:
        return f"Levering {self.pk} ({self.get_source_display()})"


class DeliveryIssue(models.Model):
    """One line of a validation report: the row as the partner sees it, the column, the value
    *masked* (never a full BSN) and the Dutch reason. Destroyed with the project's personal data."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="issues")
    severity = models.CharField(
        "soort", max_length=12, choices=IssueSeverity.choices, default=IssueSeverity.FOUT
    )
    row_number = models.PositiveIntegerField("rij", null=True, blank=True)
    column = models.CharField("kolom", max_length=200, blank=True)
    masked_value = models.CharField("waarde (gemaskeerd)", max_length=200, blank=True)
    reason = models.CharField("reden", max_length=500)

    class Meta:
        ordering = ["delivery", "row_number", "id"]
        verbose_name = "validatiemelding"
        verbose_name_plural = "validatiemeldingen"

    def __str__(self) -> str:
        return (
            f"Rij {self.row_number}, {self.column}: {self.reason}"
            if self.row_number
            else self.reason
        )


def bulk_rows_delivery(*, db_index: bool = True) -> models.ForeignKey:
    """The delivery of bulk-loaded rows (records, vault entries), without a database constraint.

    PostgreSQL checks a foreign key with one lookup per inserted row, at commit: seconds per
    million rows, the largest single cost of a city's intake (bench/README.md). Integrity holds
    without it: these rows are written only by the intake's transaction, which keeps the delivery
    row locked (select_for_update), and deleting a delivery through the ORM deletes its rows
    (Django cascades itself; the database never did).
    """
    return models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="+", db_index=db_index, db_constraint=False
    )


class PseudonymisedRecord(models.Model):
    """Common columns of every source's records. Deleting a delivery deletes its rows."""

    delivery = bulk_rows_delivery()
    # Denormalised for project-wide retention; integrity comes through `delivery`. No index and
    # no constraint: both cost seconds per million rows at intake (bench/README.md).
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    row_number = models.PositiveIntegerField()
    key_version = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:  # ids only: the row holds pseudonyms
        return (
            f"{self._meta.verbose_name} {self.pk} "
            f"(levering {self.delivery_id}, rij {self.row_number})"
        )


def _delivery_covered_by_composite_index():
    """The delivery FK of tables whose (delivery, key) indexes already serve it."""
    return bulk_rows_delivery(db_index=False)


class BagRecord(PseudonymisedRecord):
    delivery = _delivery_covered_by_composite_index()
    address_key = models.CharField(max_length=KEY_LENGTH)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    gebruiksdoel = models.CharField(max_length=200)
    woonfunctie = models.BooleanField()
    oppervlakte_m2 = models.PositiveIntegerField()
    x = models.IntegerField(null=True)
    y = models.IntegerField(null=True)
    buurtcode = models.CharField(max_length=10, blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivery", "address_key"])]


class BrpRecord(PseudonymisedRecord):
    delivery = _delivery_covered_by_composite_index()
    person_key = models.CharField(max_length=KEY_LENGTH)
    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    geboortedatum = models.DateField()
    datum_inschrijving_adres = models.DateField()

    class Meta:
        # No (delivery, person_key) index: random insertions into it took ~4 s of a city's BRP
        # intake, and matching's one lookup by person (toeslag partners registered elsewhere)
        # is as fast over the delivery's rows without it (bench/README.md).
        indexes = [models.Index(fields=["delivery", "address_key"])]


class UitkeringRecord(PseudonymisedRecord):
    person_key = models.CharField(max_length=KEY_LENGTH)
    regeling = models.CharField(max_length=10)
    leefvorm = models.CharField(max_length=30)
    ingangsdatum = models.DateField(null=True)


class ToeslagRecord(PseudonymisedRecord):
    person_key = models.CharField(max_length=KEY_LENGTH)
    toeslag = models.CharField(max_length=30)
    partner_key = models.CharField(max_length=KEY_LENGTH, blank=True)


class HuurRecord(PseudonymisedRecord):
    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    huurder_key = models.CharField(max_length=KEY_LENGTH)
    ingangsdatum_huur = models.DateField(null=True)
    sociale_huur = models.BooleanField(null=True)


class KvkRecord(PseudonymisedRecord):
    kvk_key = models.CharField(max_length=KEY_LENGTH)
    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    # Free text: room for a BSN replaced by '[BSN verwijderd]' in a 10-character code.
    sbi_code = models.CharField(max_length=20, blank=True)
    datum_inschrijving = models.DateField(null=True)


class EnergieRecord(PseudonymisedRecord):
    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    jaar = models.PositiveSmallIntegerField()
    elektriciteit_kwh = models.PositiveIntegerField()
    gas_m3 = models.PositiveIntegerField(null=True)


class SignaalRecord(PseudonymisedRecord):
    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    # Free text of at most 500 characters as delivered; a BSN in it becomes '[BSN verwijderd]',
    # which may make the stored text longer (formats.md §4).
    signaal = models.TextField()
    datum = models.DateField(null=True)


class EigendomRecord(PseudonymisedRecord):
    """Who owns the address (Kadaster): a person's BSN as person_key, a company's kvk_nummer as
    kvk_key (the other one blank). Not read by any indicator; the owner view uses it."""

    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    nummeraanduiding_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    person_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    kvk_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    eigenaar_soort = models.CharField(max_length=20)
    datum_eigendom = models.DateField(null=True)


RECORD_MODELS: dict[str, type[PseudonymisedRecord]] = {
    Source.BAG: BagRecord,
    Source.BRP: BrpRecord,
    Source.UITKERING: UitkeringRecord,
    Source.TOESLAG: ToeslagRecord,
    Source.HUUR: HuurRecord,
    Source.KVK: KvkRecord,
    Source.ENERGIE: EnergieRecord,
    Source.SIGNAAL: SignaalRecord,
    Source.EIGENDOM: EigendomRecord,
}


class AddressVaultEntry(models.Model):
    """A real address, encrypted with a key derived from the project key (AES-GCM).

    Readable only through re-identification of an approved address; unreadable for ever once
    the project key is destroyed.
    """

    # Both references without a database constraint, for the reason given at bulk_rows_delivery;
    # the (project, address_key) index serves the project and the unique one the delivery.
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    address_key = models.CharField(max_length=KEY_LENGTH)
    key_version = models.PositiveSmallIntegerField()
    ciphertext = models.BinaryField()
    delivery = bulk_rows_delivery(db_index=False)

    class Meta:
        verbose_name = "adreskluisregel"
        verbose_name_plural = "adreskluis"
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "address_key"], name="one_vault_entry_per_address"
            ),
        ]
        indexes = [models.Index(fields=["project", "address_key"])]

    def __str__(self) -> str:  # never the address
        return f"Adreskluisregel {self.pk} (levering {self.delivery_id})"


class OwnerVaultEntry(models.Model):
    """An owner's real id (eigendom's eigenaar_id: a BSN or a kvk_nummer), sealed like the
    address vault (AES-GCM, the vault key of the project key, the owner pseudonym as associated
    data). Readable only through the four-eyes owner re-identification of controls (issue 12.4);
    unreadable for ever once the project key is destroyed. One per owner and delivery."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    owner_key = models.CharField(max_length=KEY_LENGTH)
    # "bsn" (natuurlijk persoon) or "kvk" (rechtspersoon): the pseudonym's kind.
    owner_kind = models.CharField(max_length=3)
    key_version = models.PositiveSmallIntegerField()
    ciphertext = models.BinaryField()
    delivery = bulk_rows_delivery(db_index=False)

    class Meta:
        verbose_name = "eigenaarkluisregel"
        verbose_name_plural = "eigenaarkluis"
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "owner_key"], name="one_owner_vault_entry_per_delivery"
            ),
        ]
        indexes = [models.Index(fields=["project", "owner_key"])]

    def __str__(self) -> str:  # never the id
        return f"Eigenaarkluisregel {self.pk} (levering {self.delivery_id})"


class DestructionRecord(models.Model):
    """Proof of a destruction. Holds counts and rules only, never personal data."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="destructions"
    )
    rule = models.CharField("regel", max_length=30, choices=DestructionRule.choices)
    description = models.CharField("wat", max_length=300)
    rows_destroyed = models.PositiveIntegerField("aantal rijen")
    details = models.JSONField(default=dict, blank=True)
    executed_at = models.DateTimeField("uitgevoerd op", default=timezone.now)

    class Meta:
        ordering = ["-executed_at", "-id"]
        verbose_name = "vernietiging"
        verbose_name_plural = "vernietigingen"

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.rows_destroyed} rijen"


class Objection(models.Model):
    """A resident's objection (bezwaar) or a correction found (e.g. a BRP registration
    corrected), recorded by the privacy officer against one address key or one person pseudonym
    of a project (issue 15 item 4). Shown wherever that address appears (risk list, visit, route,
    referral: `datasharing.selectors.objections_for_addresses`). Holds pseudonyms only."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(
        "betreft", max_length=10, choices=ObjectionSubject.choices, default=ObjectionSubject.ADDRESS
    )
    # The pseudonym it is about: an address key or a person's (the other one blank). Two
    # columns of one kind each, so that a key rotation re-keys them (datasharing.apps).
    address_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    person_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    kind = models.CharField("soort", max_length=12, choices=ObjectionKind.choices)
    description = models.TextField("omschrijving")
    received_on = models.DateField("ontvangen of vastgesteld op")
    status = models.CharField(
        "status", max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    outcome = models.TextField("uitkomst", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "bezwaar of correctie"
        verbose_name_plural = "bezwaren en correcties"
        indexes = [
            models.Index(fields=["project", "address_key"]),
            models.Index(fields=["project", "person_key"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject="adres") & ~Q(address_key="") & Q(person_key=""))
                | (Q(subject="persoon") & ~Q(person_key="") & Q(address_key="")),
                name="objection_has_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(status="open", handled_at__isnull=True)
                | (Q(status="afgehandeld", handled_at__isnull=False) & ~Q(outcome="")),
                name="objection_handled_has_outcome",
            ),
        ]

    def __str__(self) -> str:  # never the description
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display()})"

    @property
    def subject_key(self) -> str:
        return self.address_key or self.person_key
