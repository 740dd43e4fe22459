"""Organisations and people are maintained here by functional administrators.

Convenants are read-only: they are registered through partners.services (or from a project's
pages), which write audit events. Project roles are in projects.admin. Every change made here
writes an audit event (wijkaanpak.core.admin.AuditedAdmin, R7).

The person form offers no superuser status, groups or permissions (style rule 16): superuser
status would give every table of this admin and is made only at the command line
(`manage.py createsuperuser`); groups and permissions are never project data access (guardian
object permissions granted by a role are), and are not handed out here either.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from wijkaanpak.core.admin import AuditedAdmin, EnrolmentLinkIssueMixin, ReadOnlyAdmin

from .models import Convenant, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "gemeentecode")
    list_filter = ("kind",)
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        # Organisations are referenced by projects, convenants and the audit trail.
        return False


@admin.register(User)
class WijkaanpakUserAdmin(EnrolmentLinkIssueMixin, UserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "organisation")
    list_select_related = ("organisation",)
    fieldsets = (
        *(UserAdmin.fieldsets or ())[:1],
        ("Persoon", {"fields": ("first_name", "last_name", "email", "organisation")}),
        # Not is_superuser, groups or user_permissions: see the module docstring.
        ("Status", {"fields": ("is_active", "is_staff")}),
        ("Data", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "organisation", "password1", "password2"),
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: people are referenced by the audit trail (R7).
        return False


@admin.register(Convenant)
class ConvenantAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "reference", "valid_from", "valid_until", "project")
    list_filter = ("kind",)
    list_select_related = ("organisation", "project")
    exclude = ("document",)
