"""Organisations and people are maintained here by functional administrators.

Convenants are read-only: they are registered through partners.services (or from a project's
pages), which write audit events. Project roles are in projects.admin.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from wijkaanpak.core.admin import EnrolmentLinkIssueMixin, ReadOnlyAdmin

from .models import Convenant, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
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
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
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
