"""Admin for functional administrators (mounted at /beheer/, behind login and OTP).

The audit trail and the processing log are append-only: visible, never changed or deleted.
Workflow records are read-only here too: they change only through the services, which check
the gates and write the audit events (style rule 4). Enrolment links are issued from a
person's page (`EnrolmentLinkIssueMixin`) and listed read-only, without their hash.

Every change the admin does make (people, organisations, a password) writes one audit event,
as the services do (security R7): every ModelAdmin of the site is an `AuditedAdmin`
(tests/core/test_admin_audit.py walks the site). Superuser and staff status give these
functional tables only, never a project's personal data (style rule 16).
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .events import event_record
from .exceptions import ApplicationError
from .models import EnrolmentLink, Event, ProcessingLogEntry
from .services import can_issue_enrolment_links, enrolment_link_issue


def _changed_fields(message) -> list[str]:
    """The field names of the admin's change message (a list of {"changed": {"fields": …}}),
    never their values."""
    if not isinstance(message, list):
        return []
    fields: list[str] = []
    for part in message:
        for verb in ("added", "changed", "deleted"):
            fields.extend(str(name) for name in (part.get(verb) or {}).get("fields", []))
    return fields


class AuditedAdmin(admin.ModelAdmin):
    """Writes one audit event (`event_record`) for every addition, change (a password change
    included) and deletion the admin makes, in the admin's own transaction: the admin calls
    `log_addition`, `log_change` and `log_deletions` for each of them. The event names the
    model, the object and the changed fields, never their values."""

    def _audit(self, request, obj, verb: str, message=None) -> None:
        project = getattr(obj, "project", None) if hasattr(obj, "project_id") else None
        event_record(
            actor=request.user,
            kind=f"admin_{obj._meta.model_name}_{verb}",
            project=project,
            obj=obj,
            data={"fields": _changed_fields(message)} if message else {},
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)


class ReadOnlyAdmin(AuditedAdmin):
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


@admin.register(EnrolmentLink)
class EnrolmentLinkAdmin(ReadOnlyAdmin):
    list_display = ("person", "state", "issued_by", "created_at", "expires_at", "used_at")
    list_filter = ("state",)
    search_fields = ("person__username", "person__last_name")
    list_select_related = ("person", "issued_by")
    fields = ("person", "state", "issued_by", "created_at", "expires_at", "used_at")


class EnrolmentLinkIssueMixin(AuditedAdmin):
    """For the people's admin: a 'Koppellink uitgeven' button on a person's page (R8).

    The page asks for confirmation; its POST issues the link through `enrolment_link_issue`
    and shows it this once (it is not stored, so it cannot be shown again).
    """

    change_form_template = "registration/admin_person_change_form.html"

    def get_urls(self):
        opts = self.model._meta
        issue = path(
            "<path:object_id>/koppellink/",
            self.admin_site.admin_view(self.enrolment_link_issue_view),
            name=f"{opts.app_label}_{opts.model_name}_enrolment_link",
        )
        return [issue, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_issue_enrolment_link": can_issue_enrolment_links(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def enrolment_link_issue_view(self, request, object_id):
        if not can_issue_enrolment_links(request.user):
            raise PermissionDenied
        person = self.get_object(request, unquote(object_id))
        if person is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "person": person,
            "title": f"Koppellink voor {person}",
        }
        if request.method == "POST":
            try:
                issued = enrolment_link_issue(actor=request.user, person=person)
            except ApplicationError as error:
                context["error"] = error.message
            else:
                context["link"] = issued.link
                context["link_url"] = request.build_absolute_uri(
                    reverse("enrolment-link", kwargs={"token": issued.token})
                )
        return TemplateResponse(request, "registration/admin_enrolment_link.html", context)


# django-otp's own admin would show device secrets and QR codes to staff: not here.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


# Groups are no part of access here (a role's guardian object permissions are), and the person
# form offers none: their table goes too (style rule 16).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


def audit_registered_admins(site: admin.AdminSite = admin.site) -> None:
    """Make the admins that other libraries registered (django-axes' lockouts and logs, whose
    deletion unlocks an account) write their audit events too: each becomes a subclass of
    AuditedAdmin and its own class. The apps before core in INSTALLED_APPS registered theirs
    already when the admin imports this module (autodiscover follows INSTALLED_APPS)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdmin):
            continue
        audited = type(
            f"Audited{type(model_admin).__name__}", (AuditedAdmin, type(model_admin)), {}
        )
        site.unregister(model)
        site.register(model, audited)


audit_registered_admins()
