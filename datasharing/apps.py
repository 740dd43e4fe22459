from django.apps import AppConfig


class DatasharingConfig(AppConfig):
    name = "datasharing"
    verbose_name = "Gegevensdeling"

    def ready(self) -> None:
        """Tell the lower layers what data sharing adds (style rule 33, docs/architecture.md)."""
        from projects.constants import Phase
        from projects.gates import gate_register
        from projects.navigation import StartSection, Work, start_page_set
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register
        from wijkaanpak.core.jobs import job_register

        from . import demo, gates, tasks, views
        from .constants import JOB_DELIVERY_PROCESS
        from .models import Objection
        from .registries import PseudonymTable, pseudonym_tables_register

        gate_register(Phase.SELECTIE, gates.bag_delivery_missing)
        # Objections keep pseudonyms: a key rotation re-keys them with the records.
        pseudonym_tables_register(PseudonymTable(Objection, ("address_key", "person_key")))
        job_register(JOB_DELIVERY_PROCESS, tasks.delivery_process_task)
        demo_builder_register(DemoBuilder("datasharing.demo.build", demo.build))
        # A leverancier delivers their organisation's files: their start page is their requests.
        start_page_set(
            Work.LEVERANCIER,
            StartSection(
                "Mijn uitvragen",
                "datasharing/start/_data_requests.html",
                views.data_requests_start_section,
                intro="De gegevens die uw organisatie is gevraagd te leveren, per project. "
                "Na het leveren ziet u hier het validatierapport.",
            ),
        )
