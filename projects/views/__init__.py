"""Project pages (project.py) and the partner, convenant and role pages of a project
(partners.py). Thin class-based views over selectors and services (style rules 14, 17)."""

from .base import ProjectScopedMixin, is_htmx, person_of
from .partners import (
    ConvenantCreateView,
    PartnerRemoveView,
    ProjectPartnersView,
    ProjectRolesView,
    RoleEndView,
)
from .project import (
    CollegebesluitView,
    DocumentDownloadView,
    DpiaView,
    ProjectAdvanceView,
    ProjectCreateView,
    ProjectDetailView,
    ProjectListView,
    ProjectplanAcknowledgeView,
    ProjectplanAdoptView,
    ProjectplanCreateView,
    ProjectplanDetailView,
    ProjectUpdateView,
    ProjectvoorstelView,
    StartView,
)

__all__ = [
    "CollegebesluitView",
    "ConvenantCreateView",
    "DocumentDownloadView",
    "DpiaView",
    "PartnerRemoveView",
    "ProjectAdvanceView",
    "ProjectCreateView",
    "ProjectDetailView",
    "ProjectListView",
    "ProjectPartnersView",
    "ProjectRolesView",
    "ProjectScopedMixin",
    "ProjectUpdateView",
    "ProjectplanAcknowledgeView",
    "ProjectplanAdoptView",
    "ProjectplanCreateView",
    "ProjectplanDetailView",
    "ProjectvoorstelView",
    "RoleEndView",
    "StartView",
    "is_htmx",
    "person_of",
]
