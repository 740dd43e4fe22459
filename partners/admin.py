"""Organisations and people are maintained here by functional administrators.

Convenants are read-only: they are registered through partners.services (or from a project's
pages), which write audit events. Project roles are in projects.admin. Every change made here
writes an audit event (wijkaanpak.core.admin.AuditedAdmin, R7).

The person form offers no superuser status, groups or permissions (style rule 16): superuser
status would give every table of this admin and is made only at the command line
(`manage.py createsuperuser`); groups and permissions are never project data access (guardian
object permissions granted by a role are), and are not handed out here either.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from wijkaanpak.core.admin import AuditedAdmin, EnrolmentLinkIssueMixin, ReadOnlyAdmin
from wijkaanpak.core.exceptions import ApplicationError

from .constants import API_TOKEN_DAYS_DEFAULT, ApiScope
from .models import ApiClient, Convenant, Organisation, User
from .services import api_client_issue, api_client_revoke, can_manage_api_clients


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
    list_display = (
        "username",
        "first_name",
        "last_name",
        "organisation",
        "is_active",
        "is_staff",
        "is_api_client",
    )
    list_filter = ("is_active", "is_staff", "is_api_client", "organisation")
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


class ApiClientIssueForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisatie", queryset=Organisation.objects.order_by("name")
    )
    name = forms.CharField(
        label="Naam", max_length=100, help_text="Bijvoorbeeld: Koppeling Suwinet"
    )
    scope = forms.ChoiceField(label="Bevoegdheid", choices=ApiScope.choices)
    expires_at = forms.SplitDateTimeField(
        label="Geldig tot", widget=admin_widgets.AdminSplitDateTime
    )


@admin.register(ApiClient)
class ApiClientAdmin(AuditedAdmin):
    """REST clients of partner systems (issue 14): issued here by a functional administrator,
    the token shown once; revoked at once with the action. Roles in projects are given to the
    client account by a projectleider, on the project's roles page, like a person's."""

    list_display = (
        "name",
        "organisation",
        "scope",
        "token_prefix",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("scope", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("name", "organisation__name", "token_prefix")
    fields = (
        "name",
        "organisation",
        "account",
        "scope",
        "token_prefix",
        "expires_at",
        "revoked_at",
        "created_by",
        "created_at",
        "last_used_at",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False  # only the services change a client (issue, revoke)

    def has_delete_permission(self, request, obj=None):
        return False  # the audit trail and the processing log point at it

    def has_add_permission(self, request):
        return can_manage_api_clients(request.user)

    def get_urls(self):
        opts = self.model._meta
        issue = path(
            "uitgeven/",
            self.admin_site.admin_view(self.issue_view),
            name=f"{opts.app_label}_{opts.model_name}_issue",
        )
        return [issue, *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return self.issue_view(request)

    def issue_view(self, request):
        if not can_manage_api_clients(request.user):
            raise PermissionDenied
        initial = {"expires_at": timezone.now() + timedelta(days=API_TOKEN_DAYS_DEFAULT)}
        form = ApiClientIssueForm(request.POST or None, initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "API-client uitgeven",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            try:
                issued = api_client_issue(actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(error.extra.get("field"), error.message)
            else:
                context["issued"] = issued
        return TemplateResponse(request, "registration/admin_api_client_issue.html", context)

    @admin.action(description="Geselecteerde API-clients nu intrekken")
    def revoke(self, request, queryset):
        revoked = 0
        for client in queryset.filter(revoked_at__isnull=True):
            try:
                api_client_revoke(actor=request.user, client=client, reason="Ingetrokken in beheer")
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            revoked += 1
        self.message_user(request, f"{revoked} API-client(s) ingetrokken.", messages.SUCCESS)
