"""Read-only admin: runs and selections change only through the services (style rule 4)."""

from django.contrib import admin

from .models import MatchingRun, Reidentification, SelectionProposal


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MatchingRun)
class MatchingRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "project",
        "status",
        "progress",
        "is_current",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)


@admin.register(SelectionProposal)
class SelectionProposalAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "pseudonym", "status", "proposed_by", "decided_by")
    list_filter = ("status",)


@admin.register(Reidentification)
class ReidentificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "actor", "created_at")
