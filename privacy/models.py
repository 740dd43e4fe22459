"""The privacy officer's records (issue 15 item 2): inzageverzoeken and their answers.

An inzageverzoek keeps pseudonyms only: the BSN or address that was entered is pseudonymised
under the project's key at once and never stored (security R17). The answer is what the project
held at that moment (`answer`, counts, column names, dates and labels — never another person's
values); the PDF letter is made from it on every download.
"""

from django.conf import settings
from django.db import models

from datasharing.models import KEY_LENGTH

from .constants import InzageSubject


class InzageRequest(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField("betreft", max_length=10, choices=InzageSubject.choices)
    # The person's pseudonym (a BSN's) or '' for an address; '' too once the key was destroyed.
    person_key = models.CharField(max_length=KEY_LENGTH, blank=True)
    # The address keys the answer is about: the address entered, or the person's addresses in
    # the project's deliveries.
    address_keys = models.JSONField(default=list, blank=True)
    received_on = models.DateField("ontvangen op")
    # True when the project's keys were destroyed: nothing could be linked any more.
    key_destroyed = models.BooleanField(default=False)
    # The project key version the pseudonyms were made with (None: no key, or destroyed).
    key_version = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.JSONField("antwoord", default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("beantwoord op", auto_now_add=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = "inzageverzoek"
        verbose_name_plural = "inzageverzoeken"

    def __str__(self) -> str:  # never the subject
        return f"Inzageverzoek {self.pk}"

    @property
    def subject_keys(self) -> list[str]:
        """Every pseudonym this request is about (the person's, then the addresses')."""
        return [key for key in [self.person_key, *self.address_keys] if key]

    @property
    def reference(self) -> str:
        """The letter's reference: 'INZ-2026-0012'."""
        return f"INZ-{self.answered_at:%Y}-{self.pk:04d}"
