"""Tussen- and eindrapportage: queued, made by the job with progress, kept as versions; both PDFs
rendered and read back with pypdf: every section there, the figures equal to the dashboard's."""

import io
import re

from django.urls import reverse

import pytest
from pypdf import PdfReader

from datasharing.models import DestructionRecord
from projects.constants import PHASE_ORDER, Phase
from projects.services import project_advance
from reports import selectors, services
from reports.constants import (
    REPORT_ALREADY_RUNNING,
    REPORT_END_NEEDS_PHASE,
    ReportKind,
    ReportStatus,
)
from reports.models import KpiTarget, ReportVersion
from reports.services.kpis import kpi_targets_save
from tests.factories import login_verified, project_to_phase
from wijkaanpak.core.exceptions import InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event, ProcessingLogEntry

pytestmark = pytest.mark.django_db

SECTIONS = (
    "Samenvatting",
    "Verloop van het project",
    "Partners",
    "Doelen uit het projectplan",
    "Van adres tot uitkomst",
    "Bevindingen per categorie",
    "Doorverwijzingen per partner en status",
    "Uitkomsten",
    "De selectiemethode",
    "Spreiding van de selectie",
)


def pdf_text(version) -> str:
    with version.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def closed(reported, projectleider_a):
    """The reported project taken through every phase to afgesloten, with a destruction."""
    from controls.constants import REFERRAL_OPEN_STATUSES
    from controls.models import Referral

    project = project_to_phase(reported, Phase.DATA_UITVRAAG)
    # Open referrals keep a project from closing (controls' closure blocker): hand them back.
    Referral.objects.filter(project=project, status__in=REFERRAL_OPEN_STATUSES).update(
        status="teruggelegd", return_reason="Project wordt afgesloten"
    )
    for phase in PHASE_ORDER[PHASE_ORDER.index(Phase.SELECTIE) :]:
        project = project_advance(actor=projectleider_a, project=project, target=phase)
    DestructionRecord.objects.create(
        project=project,
        rule="project_afgesloten",
        description="Alle gepseudonimiseerde gegevens en sleutels",
        rows_destroyed=1234,
    )
    return project


def make(project, actor, kind):
    version = services.report_request(actor=actor, project=project, kind=kind)
    version.refresh_from_db()  # eager Celery: the job ran at commit
    return version


@pytest.mark.django_db(transaction=True)
def test_tussenrapportage_has_every_section_and_the_dashboards_figures(reported, projectleider_a):
    plan = project_to_phase(reported, Phase.PARTNERS).plan_versions.get()
    kpi_targets_save(actor=projectleider_a, plan=plan, targets={"adressen_gecontroleerd": 400})
    version = make(reported, projectleider_a, ReportKind.TUSSENRAPPORTAGE)
    assert (version.status, version.progress, version.number) == (ReportStatus.READY, 100, 1)
    text = pdf_text(version)
    assert text.startswith("Tussenrapportage")
    for section in SECTIONS:
        assert section in text, section
    assert "Verklaring van vernietiging" not in text
    figures = selectors.project_figures(project=reported)
    for _key, label, value in figures.funnel():
        assert f"{label} {value}" in text, label
    assert "€ 1.200,50" in text and "€ 300,00" in text
    assert "Adressen gecontroleerd 400 7 1 %" in text
    assert version.figures == figures.as_json()
    # a second version keeps the first
    second = make(reported, projectleider_a, ReportKind.TUSSENRAPPORTAGE)
    assert second.number == 2
    assert ReportVersion.objects.filter(project=reported, status="ready").count() == 2
    kinds = list(
        Event.objects.filter(object_type="reports.reportversion", object_id=str(second.pk))
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["report_requested", "report_running", "report_ready"]


@pytest.mark.django_db(transaction=True)
def test_eindrapportage_of_a_closed_project_states_its_destruction(closed, projectleider_a):
    version = make(closed, projectleider_a, ReportKind.EINDRAPPORTAGE)
    assert version.status == ReportStatus.READY, version.error
    text = pdf_text(version)
    assert text.startswith("Eindrapportage")
    for section in (*SECTIONS, "Verklaring van vernietiging"):
        assert section in text, section
    assert "Alle gepseudonimiseerde gegevens en sleutels 1234" in text
    assert "Afgesloten" in text


def test_request_rules(reported, projectleider_a, analist_a):
    with pytest.raises(NotPermitted):
        services.report_request(actor=analist_a, project=reported, kind=ReportKind.TUSSENRAPPORTAGE)
    with pytest.raises(InvalidTransition, match=REPORT_END_NEEDS_PHASE):
        services.report_request(
            actor=projectleider_a, project=reported, kind=ReportKind.EINDRAPPORTAGE
        )
    ReportVersion.objects.create(
        project=reported, kind="tussenrapportage", number=9, requested_by=projectleider_a
    )
    with pytest.raises(InvalidTransition) as caught:
        services.report_request(
            actor=projectleider_a, project=reported, kind=ReportKind.TUSSENRAPPORTAGE
        )
    assert caught.value.message == REPORT_ALREADY_RUNNING


def test_kpi_targets_only_on_the_newest_version_by_the_projectleider(
    reported, projectleider_a, analist_a
):
    from reports.constants import KPI_PLAN_SUPERSEDED
    from tests.reports.conftest import plan_for
    from wijkaanpak.core.exceptions import ApplicationError

    older = plan_for(reported, projectleider_a)
    newest = plan_for(reported, projectleider_a)
    with pytest.raises(NotPermitted):
        kpi_targets_save(actor=analist_a, plan=newest, targets={"controleavonden": 8})
    with pytest.raises(ApplicationError) as caught:
        kpi_targets_save(actor=projectleider_a, plan=older, targets={"controleavonden": 8})
    assert caught.value.message == KPI_PLAN_SUPERSEDED
    kpi_targets_save(
        actor=projectleider_a, plan=newest, targets={"controleavonden": 8, "brp_correcties": 5}
    )
    kpi_targets_save(
        actor=projectleider_a, plan=newest, targets={"controleavonden": 6, "brp_correcties": None}
    )
    assert dict(KpiTarget.objects.values_list("measure", "target")) == {"controleavonden": 6}


@pytest.mark.django_db(transaction=True)
def test_download_is_logged_and_needs_the_dashboard(client, reported, projectleider_a, adviseur_a):
    version = make(reported, projectleider_a, ReportKind.TUSSENRAPPORTAGE)
    url = reverse("reports:report-download", kwargs={"slug": reported.slug, "pk": version.pk})
    login_verified(client, projectleider_a)
    before = ProcessingLogEntry.objects.count()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = ProcessingLogEntry.objects.order_by("-pk").first()
    assert ProcessingLogEntry.objects.count() == before + 1
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "export",
        str(version.pk),
        projectleider_a.pk,
    )
    client.logout()
    login_verified(client, adviseur_a)
    assert client.get(url).status_code == 404
