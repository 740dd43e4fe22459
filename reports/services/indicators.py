"""The projectleider's decision on an indicator flagged for its low hit rate (issue 15 item 3).

Keep (with a reason) or drop. Dropping takes effect through matching's own settings service:
the next version of the indicator settings (one `indicator_settings_updated` Event, like every
change of the settings) no longer has the indicator enabled, so the next run does not use it.
"""

from __future__ import annotations

from django.db import transaction

import structlog

from datasharing.matching.indicators.registry import ALL_CODES
from datasharing.matching.services import (
    SETTING_FIELDS,
    indicator_settings_for,
    indicator_settings_update,
)
from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from projects.selectors import project_perm_require
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError

from .. import selectors
from ..constants import (
    DECISION_ALREADY_DROPPED,
    DECISION_KEEP_NEEDS_REASON,
    DECISION_NOT_ALLOWED,
    DECISION_NOT_FLAGGED,
    DECISION_UNKNOWN_INDICATOR,
    IndicatorDecisionKind,
)
from ..models import IndicatorDecision

logger = structlog.get_logger(__name__)


@transaction.atomic
def indicator_decision_record(
    *,
    actor: User,
    project: Project,
    indicator: str,
    decision: IndicatorDecisionKind,
    reason: str,
) -> IndicatorDecision:
    """Record the projectleider's decision on a flagged indicator, with the figures it was taken
    on, and one Event; "drop" also disables the indicator in the project's settings.

    Raises NotPermitted (not MANAGE) and ApplicationError (unknown, not flagged, already
    dropped, keep without a reason)."""
    project_perm_require(
        actor=actor, project=project, perm=ProjectPerm.MANAGE, message=DECISION_NOT_ALLOWED
    )
    if indicator not in {code.value for code in ALL_CODES}:
        raise ApplicationError(DECISION_UNKNOWN_INDICATOR, extra={"field": "indicator"})
    reason = reason.strip()
    if decision == IndicatorDecisionKind.KEEP and not reason:
        raise ApplicationError(DECISION_KEEP_NEEDS_REASON, extra={"field": "reason"})
    current = indicator_settings_for(project=project)
    if indicator not in current.enabled:
        raise ApplicationError(DECISION_ALREADY_DROPPED)
    hit_rate = selectors.hit_rate_get(project=project, code=indicator, enabled=current.enabled)
    if hit_rate is None or not hit_rate.flagged:
        raise ApplicationError(DECISION_NOT_FLAGGED)
    record = IndicatorDecision(
        project=project,
        indicator=indicator,
        decision=decision,
        reason=reason,
        visited=hit_rate.visited,
        confirmed=hit_rate.confirmed,
        decided_by=actor,
    )
    record.full_clean()
    record.save()
    if decision == IndicatorDecisionKind.DROP:
        indicator_settings_update(
            actor=actor,
            project=project,
            values={name: getattr(current, name) for name in SETTING_FIELDS},
            weights={code.value: current.weight(code) for code in ALL_CODES},
            enabled=[code for code in current.enabled if code != indicator],
        )
    event_record(
        actor=actor,
        kind="indicator_decision_recorded",
        project=project,
        obj=record,
        to_state=decision,
        reason=reason,
        data={
            "indicator": indicator,
            "visited": hit_rate.visited,
            "confirmed": hit_rate.confirmed,
        },
    )
    logger.info("indicator_decision_recorded", decision_id=record.pk, project_id=project.pk)
    return record
