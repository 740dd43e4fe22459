"""The enrolment link's lifecycle (security R8): issued open, then used or superseded.

Expiry is not a stored state: an open link whose `expires_at` has passed is refused like any
other (the services compare with the clock), so no job has to run for a link to die.
"""

from datetime import timedelta

from django.db import models


class EnrolmentLinkState(models.TextChoices):
    OPEN = "open", "open"
    USED = "used", "gebruikt"
    SUPERSEDED = "superseded", "vervangen door een nieuwere link"


ENROLMENT_LINK_TRANSITIONS: dict[EnrolmentLinkState, set[EnrolmentLinkState]] = {
    EnrolmentLinkState.OPEN: {EnrolmentLinkState.USED, EnrolmentLinkState.SUPERSEDED},
    EnrolmentLinkState.USED: set(),
    EnrolmentLinkState.SUPERSEDED: set(),
}

ENROLMENT_LINK_LIFETIME = timedelta(hours=24)
# Recovery codes (django-otp static tokens) handed out at enrolment, each usable once.
RECOVERY_CODE_COUNT = 10
