"""Read-only admin of the matching runs: they change only through the services (rule 4).

Selection proposals and re-identifications are not in the admin: they are a project's
(pseudonymised) personal data, seen through the project's pages by its roles only; superuser or
staff status is never access to them (style rule 16).
"""

from django.contrib import admin

from wijkaanpak.core.admin import ReadOnlyAdmin

from .models import MatchingRun


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
    # Counts and what the run used; never an address key or a pseudonym.
    fields = (
        "project",
        "status",
        "progress",
        "chunk_count",
        "peildatum",
        "software_version",
        "address_count",
        "risk_address_count",
        "is_current",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
