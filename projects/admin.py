"""Projects in the admin: read-only, because every change goes through projects.services."""

from django.contrib import admin

from wijkaanpak.core.admin import ReadOnlyAdmin

from .models import (
    Collegebesluit,
    Dpia,
    PhaseTransition,
    PlanAcknowledgement,
    Project,
    ProjectPartner,
    ProjectplanVersion,
    ProjectRole,
    Projectvoorstel,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProjectPartnerInline(ReadOnlyInline):
    model = ProjectPartner
    fields = ("organisation", "joined_at", "left_at")
    readonly_fields = fields


class PhaseTransitionInline(ReadOnlyInline):
    model = PhaseTransition
    fields = ("at", "from_phase", "to_phase", "actor")
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "municipality", "phase", "period_start", "period_end", "created_at")
    list_filter = ("phase", "municipality")
    search_fields = ("name", "slug")
    list_select_related = ("municipality",)
    inlines = [ProjectPartnerInline, PhaseTransitionInline]
    exclude = ()


@admin.register(Collegebesluit)
class CollegebesluitAdmin(ReadOnlyAdmin):
    list_display = ("project", "reference", "date", "capacity_settled", "data_permission")
    list_select_related = ("project",)
    exclude = ("document",)


@admin.register(Projectvoorstel)
class ProjectvoorstelAdmin(ReadOnlyAdmin):
    list_display = ("project", "submitted_on", "lsi_instemming_date", "lsi_instemming_reference")
    list_select_related = ("project",)
    exclude = ("document",)


@admin.register(ProjectplanVersion)
class ProjectplanVersionAdmin(ReadOnlyAdmin):
    list_display = ("project", "version", "created_at", "adopted_at")
    list_select_related = ("project",)
    exclude = ("document",)


@admin.register(PlanAcknowledgement)
class PlanAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ("plan_version", "organisation", "acknowledged_by", "acknowledged_at")


@admin.register(Dpia)
class DpiaAdmin(ReadOnlyAdmin):
    list_display = ("project", "vastgesteld", "date", "reference")
    list_select_related = ("project",)
    exclude = ("document",)


@admin.register(PhaseTransition)
class PhaseTransitionAdmin(ReadOnlyAdmin):
    list_display = ("project", "from_phase", "to_phase", "actor", "at")
    list_filter = ("to_phase",)
    list_select_related = ("project", "actor")


@admin.register(ProjectRole)
class ProjectRoleAdmin(ReadOnlyAdmin):
    list_display = ("person", "role", "project", "started_at", "ended_at")
    list_filter = ("role",)
    list_select_related = ("person", "project")
