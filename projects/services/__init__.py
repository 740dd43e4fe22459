"""Every write of a project (style rule 4). Split by concern:

- lifecycle.py — the project itself and its phases (project_create, project_advance, …)
- documents.py — collegebesluit, projectvoorstel, projectplan versions and the DPIA
- partners.py — organisations taking part, and convenants registered from the project
- roles.py — roles in the project: the only place where permissions are granted (rule 15)
"""

from .documents import (
    DPIA_VASTGESTELD_NEEDS_DATE,
    INSTEMMING_INCOMPLETE,
    PLAN_ACK_NOT_ADOPTED,
    PLAN_ACK_NOT_PARTNER,
    PLAN_ALREADY_ADOPTED,
    PLAN_NEEDS_INSTEMMING,
    collegebesluit_register,
    dpia_save,
    projectplan_acknowledge,
    projectplan_adopt,
    projectplan_version_create,
    projectvoorstel_save,
)
from .lifecycle import (
    CREATOR_NOT_MUNICIPALITY,
    NOT_PROJECTLEIDER,
    PERIOD_INVALID,
    PROJECT_CLOSED,
    PROJECT_EDITABLE_FIELDS,
    TRANSITION_GATE_CLOSED,
    TRANSITION_NOT_ALLOWED,
    project_advance,
    project_create,
    project_missing_for_next_phase,
    project_next_phase,
    project_require_open,
    project_update,
)
from .partners import (
    CONVENANT_ORGANISATION_NOT_PARTNER,
    PARTNER_ALREADY_IN_PROJECT,
    PARTNER_MUNICIPALITY_STAYS,
    project_convenant_end,
    project_convenant_register,
    project_partner_add,
    project_partner_remove,
)
from .roles import (
    ROLE_ADVISEUR_ONLY_VNG,
    ROLE_ALREADY_ACTIVE,
    ROLE_ORGANISATION_NOT_PARTNER,
    ROLE_PERSON_WITHOUT_ORGANISATION,
    role_end,
    role_grant,
    roles_end_for_organisation,
)

__all__ = [
    "CONVENANT_ORGANISATION_NOT_PARTNER",
    "CREATOR_NOT_MUNICIPALITY",
    "DPIA_VASTGESTELD_NEEDS_DATE",
    "INSTEMMING_INCOMPLETE",
    "NOT_PROJECTLEIDER",
    "PARTNER_ALREADY_IN_PROJECT",
    "PARTNER_MUNICIPALITY_STAYS",
    "PERIOD_INVALID",
    "PLAN_ACK_NOT_ADOPTED",
    "PLAN_ACK_NOT_PARTNER",
    "PLAN_ALREADY_ADOPTED",
    "PLAN_NEEDS_INSTEMMING",
    "PROJECT_CLOSED",
    "PROJECT_EDITABLE_FIELDS",
    "ROLE_ADVISEUR_ONLY_VNG",
    "ROLE_ALREADY_ACTIVE",
    "ROLE_ORGANISATION_NOT_PARTNER",
    "ROLE_PERSON_WITHOUT_ORGANISATION",
    "TRANSITION_GATE_CLOSED",
    "TRANSITION_NOT_ALLOWED",
    "collegebesluit_register",
    "dpia_save",
    "project_advance",
    "project_convenant_end",
    "project_convenant_register",
    "project_create",
    "project_missing_for_next_phase",
    "project_next_phase",
    "project_partner_add",
    "project_partner_remove",
    "project_require_open",
    "project_update",
    "projectplan_acknowledge",
    "projectplan_adopt",
    "projectplan_version_create",
    "projectvoorstel_save",
    "role_end",
    "role_grant",
    "roles_end_for_organisation",
]
