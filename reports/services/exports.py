"""Exports of findings, referrals and progress as CSV or XLSX with Dutch headers (issue 13.6),
through the one formula-safe writer (wijkaanpak.core.exports, R15). The rows are scoped like
the pages (reports.selectors); rows about addresses are logged first (R21)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import Http404
from django.utils import timezone

from partners.models import User
from projects.constants import ProjectPerm
from projects.models import Project
from wijkaanpak.core.exports import csv_document, xlsx_document
from wijkaanpak.core.processing_log import processing_log_write

from .. import selectors
from ..constants import EXPORT_FORMATS, EXPORT_KINDS

FINDINGS_HEADER = (
    "Controleavond",
    "Team",
    "Adres (pseudoniem)",
    "Buurt",
    "Categorie",
    "Omschrijving",
    "Vastgelegd op",
)
REFERRALS_HEADER = (
    "Nummer",
    "Soort",
    "Aan",
    "Afdeling",
    "Status",
    "Termijn tot",
    "Verzonden op",
    "Toelichting",
    "Uitkomst",
    "Bedrag (€)",
)
PROGRESS_HEADER = (
    "Datum",
    "Controleavond",
    "Status",
    "Bezocht",
    "Met bevindingen",
    "Doorverwijzingen",
    "Uitkomsten",
    "Teruggevorderd (€)",
    "Boetes (€)",
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_permitted(kind: str, perms: frozenset[ProjectPerm]) -> bool:
    """Who may export what: findings who plans the controls (the projectleider); referrals the
    projectleider (all) and the behandelaar (their organisation's); progress everyone who sees
    the dashboard. Rows about addresses need a personal-data permission (a valid convenant)."""
    if kind == "bevindingen":
        return ProjectPerm.PLAN_CONTROLS in perms
    if kind == "doorverwijzingen":
        return bool({ProjectPerm.PLAN_CONTROLS, ProjectPerm.HANDLE_REFERRALS} & perms)
    return selectors.dashboard_permitted(perms)


def _rows(
    *, actor: User, project: Project, kind: str, perms: frozenset[ProjectPerm]
) -> tuple[Sequence[str], Iterable[Sequence[Any]], list[str]]:
    """(header, rows, address keys shown) of one export."""
    if kind == "bevindingen":
        findings = list(selectors.findings_export_rows(project=project))
        return (
            FINDINGS_HEADER,
            [row[1:] for row in findings],
            [row[0] for row in findings],
        )
    if kind == "doorverwijzingen":
        organisation_id = None if ProjectPerm.PLAN_CONTROLS in perms else actor.organisation_id
        referrals = list(
            selectors.referrals_export_rows(project=project, organisation_id=organisation_id)
        )
        return REFERRALS_HEADER, [row[1:] for row in referrals], [row[0] for row in referrals]
    figures = selectors.project_figures(project=project)
    rows = [
        (
            evening.day,
            evening.name,
            evening.status,
            evening.visited,
            evening.with_findings,
            sum(evening.referrals.values()),
            sum(evening.outcomes.values()),
            evening.amounts.get("terugvordering", 0),
            evening.amounts.get("boete", 0),
        )
        for evening in figures.evenings
    ]
    return PROGRESS_HEADER, rows, []


def export_document(
    *, actor: User, project: Project, kind: str, fmt: str, perms: frozenset[ProjectPerm]
) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of one export. Raises Http404 for an unknown kind or
    format or one the person may not export (like a page). Logs the addresses it holds (R21)."""
    if kind not in EXPORT_KINDS or fmt not in EXPORT_FORMATS or not export_permitted(kind, perms):
        raise Http404
    header, rows, address_keys = _rows(actor=actor, project=project, kind=kind, perms=perms)
    if kind != "voortgang":
        processing_log_write(
            actor=actor,
            action="export",
            name=f"{kind} exporteren",
            ground="control",
            project=project,
            data_subject_ids=address_keys,
            data_subject_id_type="adrespseudoniem",
        )
    name = f"{kind}-{project.slug}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return name, CONTENT_TYPES[fmt], csv_document(header, rows)
    return name, CONTENT_TYPES[fmt], xlsx_document(header, rows, title=kind.capitalize())
