"""Cross-cutting records: the processing log (LDV), the audit events and the enrolment links.

The processing log and the audit events are append-only. The processing log is hash-chained
so that tampering is detectable (`manage.py processing_log_verify`); on PostgreSQL a trigger
also refuses UPDATE and DELETE.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from django_otp.plugins.otp_totp.models import TOTPDevice

from .constants import EnrolmentLinkState


class ProcessingLogEntry(models.Model):
    """One processing of personal data, for one data subject (Logboek Dataverwerkingen).

    Never holds personal data itself: the data subject is a pseudonym (stored encrypted),
    objects are ids.
    """

    class Status(models.IntegerChoices):
        UNSET = 0, "onbekend"
        OK = 1, "gelukt"
        ERROR = 2, "fout"

    trace_id = models.CharField(max_length=32)
    operation_id = models.CharField(max_length=16)
    parent_operation_id = models.CharField(max_length=16, blank=True)
    foreign_trace_id = models.CharField(max_length=32, blank=True)
    foreign_operation_id = models.CharField(max_length=16, blank=True)
    name = models.CharField(max_length=100)
    action = models.CharField(max_length=30)
    status_code = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.OK)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    organisation_label = models.CharField(max_length=200, blank=True)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ground = models.CharField(max_length=200)
    processing_activity_id = models.CharField(max_length=300)
    # Encrypted (AES-SIV, wijkaanpak.core.processing_log.processing_log_subject_token).
    data_subject_id = models.CharField(max_length=255, blank=True)
    data_subject_id_type = models.CharField(max_length=30, blank=True)
    origin = models.CharField(max_length=100, blank=True)
    resource = models.CharField(max_length=60)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "verwerkingslogregel"
        verbose_name_plural = "verwerkingslog"
        indexes = [models.Index(fields=["project", "action"]), models.Index(fields=["trace_id"])]

    def __str__(self) -> str:
        moment = date_format(timezone.localtime(self.started_at), "DATETIME_FORMAT")
        return f"{moment} {self.name} ({self.actor_label})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Processing log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Processing log entries are append-only.")


class Event(models.Model):
    """An audited change: a lifecycle transition, a grant, a role or convenant change."""

    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "gebeurtenis"
        verbose_name_plural = "gebeurtenissen"

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"


class EnrolmentLink(models.Model):
    """A one-time, expiring link with which one person sets up their second factor (R8).

    Issued by a functional administrator (or `manage.py enrolment_link_issue`) and redeemed by
    that person after their password. Only the SHA-256 of the link's random token is stored;
    the token itself is shown once to the issuer and never kept.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="persoon",
        on_delete=models.PROTECT,
        related_name="enrolment_links",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(
        "status",
        max_length=20,
        choices=EnrolmentLinkState.choices,
        default=EnrolmentLinkState.OPEN,
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uitgegeven door",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Leeg: uitgegeven met manage.py enrolment_link_issue.",
    )
    created_at = models.DateTimeField("uitgegeven", auto_now_add=True)
    expires_at = models.DateTimeField("verloopt")
    used_at = models.DateTimeField("gebruikt", null=True, blank=True)
    # The authenticator set up through this link: made unconfirmed when the link is issued (so
    # every opening shows the same QR code), confirmed when the link is redeemed, when every
    # other device of the person is removed; dropped when a newer link supersedes this one.
    device = models.OneToOneField(
        TOTPDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "koppellink"
        verbose_name_plural = "koppellinks"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(state=EnrolmentLinkState.OPEN),
                name="one_open_enrolment_link_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(state=EnrolmentLinkState.USED),
                name="enrolment_link_used_at_only_when_used",
            ),
        ]

    def __str__(self) -> str:
        return f"koppellink {self.pk} voor {self.person}"
