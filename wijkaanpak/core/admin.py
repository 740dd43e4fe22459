"""Admin for functional administrators (mounted at /beheer/, behind login and OTP).

The audit trail and the processing log are append-only: visible, never changed or deleted.
Workflow records are read-only here too: they change only through the services, which check
the gates and write the audit events (style rule 4).
"""

from django.contrib import admin

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Event, ProcessingLogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows records; no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "actor",
        "project",
        "object_type",
        "from_state",
        "to_state",
    )
    list_filter = ("kind",)
    search_fields = ("kind", "object_id")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "project")


@admin.register(ProcessingLogEntry)
class ProcessingLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "name",
        "action",
        "actor_label",
        "organisation_label",
        "project",
        "status_code",
    )
    list_filter = ("action", "status_code")
    search_fields = ("trace_id", "name")
    date_hierarchy = "started_at"
    list_select_related = ("project",)


# django-otp's own admin would show device secrets and QR codes to staff: not here.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
