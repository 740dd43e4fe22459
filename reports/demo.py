"""Demo data of reports: KPI targets on the plan of the demo project with the sample deliveries
(the prestatieafspraken of a wijkaanpak), and one generated tussenrapportage, so that the
projectleider's dashboard and reports and the adviser's overview show real figures.

Through the services, like the projectleider. Idempotent: targets are set only when the plan has
none, a tussenrapportage is made only when there is none. Runs after matching's builder.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from partners.models import User
from projects.constants import Phase
from projects.models import Project

from . import selectors, services
from .constants import KpiMeasure, ReportKind
from .models import KpiTarget, ReportVersion

DEMO_TARGETS = {
    KpiMeasure.ADRESSEN_GECONTROLEERD: Decimal(400),
    KpiMeasure.DOORVERWIJZINGEN_ZORG: Decimal(60),
    KpiMeasure.BEDRAG_TERUGGEVORDERD: Decimal(100_000),
    KpiMeasure.CONTROLEAVONDEN: Decimal(8),
}


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_project() -> Project | None:
    from projects.demo import DEMO_PROJECT_SLUGS

    return Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()


def build(*, stdout: Any = None) -> None:
    project = _demo_project()
    leader = User.objects.filter(username="projectleider").first()
    if project is None or leader is None:
        _say(stdout, "  geen demoproject voor rapportage; overgeslagen")
        return
    plan = selectors.kpi_plan_version(project=project)
    if plan is not None and not KpiTarget.objects.filter(plan_version=plan).exists():
        newest = project.plan_versions.order_by("-version").first()
        if newest is not None and newest.pk == plan.pk:
            services.kpi_targets_save(
                actor=leader, plan=plan, targets={m.value: v for m, v in DEMO_TARGETS.items()}
            )
            _say(stdout, f"  doelen vastgelegd bij projectplan versie {plan.version}")
    if not ReportVersion.objects.filter(project=project).exists():
        services.report_request(actor=leader, project=project, kind=ReportKind.TUSSENRAPPORTAGE)
        _say(stdout, "  tussenrapportage gevraagd (wordt gemaakt na het opslaan)")


def summary(stdout: Any) -> None:
    project = _demo_project()
    if project is None:
        return
    version = ReportVersion.objects.filter(project=project).order_by("-pk").first()
    if version is not None:
        _say(stdout, f"Rapportage: {version} van {project.name} — {version.get_status_display()}")
