from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Rapportage"

    def ready(self) -> None:
        """Tell the lower layers what reports adds (style rule 33, docs/architecture.md)."""
        from datasharing.matching.panels import method_panel_register
        from projects.constants import Phase, ProjectPerm
        from projects.navigation import (
            MenuItem,
            PlanLink,
            StartSection,
            Work,
            menu_item_register,
            plan_link_register,
            start_page_set,
        )
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register
        from wijkaanpak.core.jobs import job_register

        from . import demo, tasks, views
        from .constants import JOB_REPORT_GENERATE

        job_register(JOB_REPORT_GENERATE, tasks.report_generate_task)
        menu_item_register(MenuItem("reports:dashboard", "Dashboard", Phase.DATA_UITVRAAG))
        menu_item_register(
            MenuItem("reports:reports", "Rapportages", Phase.DATA_UITVRAAG),
            sections=("reports:report-status",),
        )
        plan_link_register(
            PlanLink(
                "reports:kpi-targets", "Doelen (prestatieafspraken) vastleggen", ProjectPerm.MANAGE
            )
        )
        method_panel_register("reports/_fairness_panel.html")
        method_panel_register("reports/_hit_rates_panel.html")
        start_page_set(
            Work.ADVISEUR,
            StartSection(
                "Projecten die u adviseert",
                "reports/start/_overview.html",
                views.overview_start_section,
                intro="Fase, data en kerncijfers van elk project dat u adviseert. Aantallen van "
                "1 tot en met 4 staan er als '<5'; een • is verborgen zodat een totaal een klein "
                "aantal niet kan verraden.",
            ),
        )
        demo_builder_register(DemoBuilder("reports.demo.build", demo.build, demo.summary))
