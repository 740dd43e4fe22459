"""Access rows of reports (issue 13): the dashboard, report versions and the exports for the
projectleider and the partners taking part; the adviser gets aggregates only (the overview on
the start page, the suppressed fairness panel), so every other reports page is 404 for them."""

from __future__ import annotations

from datetime import date

from tests.access_matrix import (
    KWARGS,
    SETUP_HOOKS,
    Row,
    everyone,
    kwargs_builder,
    leader_only,
    object_kwargs,
    only,
)
from tests.access_setup import MatrixProject

# Everyone with work in the project; not the adviser (reports.selectors.dashboard_permitted).
# The privacy officer's work (inzageverzoeken) is part of the project's: the dashboard too.
DASHBOARD = (
    "projectleider",
    "analist",
    "inspecteur",
    "behandelaar",
    "partner_analist",
    "privacy_officer",
)


def _reports_setup(mp: MatrixProject) -> None:
    """An evening with the approved address visited, a finding, a referral to the partner with
    its outcome, KPI targets on the plan, and a finished report version (its PDF a minimal one:
    making real ones is tests/reports/test_reports.py's)."""
    from django.core.files.base import ContentFile

    from reports.models import KpiTarget, ReportVersion
    from tests.factories import minimal_pdf
    from tests.reports.factories import EveningSpec, seed_controls

    cast = mp.extra["cast"]
    leader = cast["projectleider"]
    seed_controls(
        mp.project,
        [mp.extra["approved"]],
        leader=leader,
        organisation=cast["partner"],
        evenings=[
            EveningSpec(
                date(2026, 3, 1),
                visited=1,
                findings=(("uitkeringsfraude", "handhaving", "terugvordering", 950),),
            )
        ],
    )
    plan = mp.project.plan_versions.order_by("-version").first()
    KpiTarget.objects.create(plan_version=plan, measure="adressen_gecontroleerd", target=400)
    version = ReportVersion(
        project=mp.project,
        kind="tussenrapportage",
        number=1,
        status="ready",
        progress=100,
        requested_by=leader,
    )
    version.file.save("r.pdf", ContentFile(minimal_pdf()), save=False)
    version.save()
    mp.extra.update(plan_version=plan, report=version)


SETUP_HOOKS.append(_reports_setup)
object_kwargs("report")


@kwargs_builder("kpi_plan")
def _kpi_plan(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "version": mp.extra["plan_version"].version}


for _kind in ("bevindingen", "doorverwijzingen", "voortgang"):
    for _fmt in ("csv", "xlsx"):

        def _export(mp: MatrixProject, kind=_kind, fmt=_fmt) -> dict:
            return {"slug": mp.project.slug, "kind": kind, "fmt": fmt}

        KWARGS[f"export_{_kind}_{_fmt}"] = _export


def _kpi_data(mp: MatrixProject) -> dict:
    return {"target_adressen_gecontroleerd": "300", "target_controleavonden": "6"}


ROWS: list[Row] = [
    Row("reports:dashboard", only(200, *DASHBOARD), personal_data=True),
    Row("reports:kpi-targets", leader_only(200), kwargs="kpi_plan"),
    Row("reports:kpi-targets", leader_only(302), method="post", kwargs="kpi_plan", data=_kpi_data),
    Row("reports:reports", only(200, *DASHBOARD), personal_data=True),
    Row(
        "reports:report-request",
        leader_only(302),
        method="post",
        data={"kind": "tussenrapportage"},
    ),
    Row("reports:report-request", leader_only(405), method="get"),
    Row("reports:report-status", only(200, *DASHBOARD), kwargs="report", personal_data=True),
    Row("reports:report-status", everyone(404), kwargs="report@twin"),
    Row("reports:report-download", only(200, *DASHBOARD), kwargs="report", personal_data=True),
    Row("reports:report-download", everyone(404), kwargs="report@twin"),
    # Findings: who plans the controls; referrals: also the behandelaar (UWV's, addressed to
    # UWV); progress: the dashboard's people. The adviser: none of them.
    *(
        Row(
            "reports:export",
            leader_only(200),
            kwargs=f"export_bevindingen_{fmt}",
            personal_data=True,
        )
        for fmt in ("csv", "xlsx")
    ),
    *(
        Row(
            "reports:export",
            only(200, "projectleider", "behandelaar"),
            kwargs=f"export_doorverwijzingen_{fmt}",
            personal_data=True,
        )
        for fmt in ("csv", "xlsx")
    ),
    *(
        Row(
            "reports:export",
            only(200, *DASHBOARD),
            kwargs=f"export_voortgang_{fmt}",
            personal_data=True,
        )
        for fmt in ("csv", "xlsx")
    ),
    # The method page's fairness panel: every member (suppressed for the adviser).
    Row("reports:fairness-panel", everyone(200)),
]
