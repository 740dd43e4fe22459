"""Publishing and withdrawing a project's public page (issue 15 item 1): the projectleider's
choice, from the data-uitvraag on, each move on a locked row with one Event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

import structlog

from partners.models import User
from projects.constants import ProjectPerm, phase_reached
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import InvalidTransition
from wijkaanpak.core.transitions import transition_require

from .constants import (
    PUBLIC_PAGE_TRANSITIONS,
    PUBLISH_FROM_PHASE,
    PUBLISH_NOT_ALLOWED,
    PUBLISH_TOO_EARLY,
    WITHDRAW_NOT_PUBLISHED,
    PublicPageStatus,
)
from .models import PublicPage

logger = structlog.get_logger(__name__)


def _locked_page(project: Project) -> PublicPage:
    page, _ = PublicPage.objects.select_for_update().get_or_create(project=project)
    return page


@transaction.atomic
def public_page_publish(*, actor: User, project: Project, intro: str) -> PublicPage:
    """Publish the project's public page with the projectleider's `intro` (again: a new intro).

    Raises NotPermitted (not MANAGE) and InvalidTransition (before the data-uitvraag)."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.MANAGE, message=PUBLISH_NOT_ALLOWED
    )
    if not phase_reached(project.phase, PUBLISH_FROM_PHASE):
        raise InvalidTransition(PUBLISH_TOO_EARLY)
    page = _locked_page(project)
    before = page.status
    transition_require(
        PUBLIC_PAGE_TRANSITIONS, before, PublicPageStatus.GEPUBLICEERD, message=PUBLISH_TOO_EARLY
    )
    page.status = PublicPageStatus.GEPUBLICEERD
    page.intro = intro.strip()
    page.published_by = actor
    page.published_at = timezone.now()
    page.withdrawn_at = None
    page.full_clean()
    page.save()
    event_record(
        actor=actor,
        kind="public_page_published",
        project=project,
        obj=page,
        from_state=before,
        to_state=page.status,
        data={"intro_length": len(page.intro)},
    )
    logger.info("public_page_published", project_id=project.pk)
    return page


@transaction.atomic
def public_page_withdraw(*, actor: User, project: Project) -> PublicPage:
    """Take the public page offline (it answers 404 again at once).

    Raises NotPermitted (not MANAGE) and InvalidTransition (not published)."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.MANAGE, message=PUBLISH_NOT_ALLOWED
    )
    page = _locked_page(project)
    before = page.status
    transition_require(
        PUBLIC_PAGE_TRANSITIONS,
        before,
        PublicPageStatus.INGETROKKEN,
        message=WITHDRAW_NOT_PUBLISHED,
    )
    page.status = PublicPageStatus.INGETROKKEN
    page.withdrawn_at = timezone.now()
    page.full_clean()
    page.save()
    event_record(
        actor=actor,
        kind="public_page_withdrawn",
        project=project,
        obj=page,
        from_state=before,
        to_state=page.status,
    )
    logger.info("public_page_withdrawn", project_id=project.pk)
    return page
