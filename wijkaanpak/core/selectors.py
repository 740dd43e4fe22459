"""Reads of the core records that a person may reach through the pages."""

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.http import Http404
from django.utils import timezone

from .constants import EnrolmentLinkState
from .models import EnrolmentLink


def enrolment_link_get_for_user(
    *, user: AbstractUser | AnonymousUser, token_hash: str | None
) -> EnrolmentLink:
    """The open, unexpired enrolment link with this token hash that belongs to `user`.

    Raises Http404 alike for an unknown, expired, used, superseded or someone else's link, so
    that nobody learns whether a token exists or whose it is (no enumeration).
    """
    if not token_hash or not user.is_authenticated:
        raise Http404
    link = (
        EnrolmentLink.objects.select_related("device__user")
        .filter(
            token_hash=token_hash,
            person_id=user.pk,
            state=EnrolmentLinkState.OPEN,
            expires_at__gt=timezone.now(),
            device__isnull=False,
        )
        .first()
    )
    if link is None:
        raise Http404
    return link
