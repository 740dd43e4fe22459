from django.contrib import admin

from wijkaanpak.core.admin import AuditedAdmin

from .models import KpiTarget, ReportVersion


@admin.register(KpiTarget)
class KpiTargetAdmin(AuditedAdmin):
    list_display = ("plan_version", "measure", "target")
    readonly_fields = ("plan_version", "measure", "target", "updated_by", "updated_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportVersion)
class ReportVersionAdmin(AuditedAdmin):
    list_display = ("project", "kind", "number", "status", "requested_at")
    exclude = ("file",)
    readonly_fields = [
        "project",
        "kind",
        "number",
        "status",
        "progress",
        "size_bytes",
        "figures",
        "error",
        "requested_by",
        "requested_at",
        "finished_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False
