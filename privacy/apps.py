from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy (inzage, bezwaar, verwerkingslog)"

    def ready(self) -> None:
        """Tell the lower layers what privacy adds (style rule 33, docs/architecture.md)."""
        from datasharing.registries import PseudonymTable, pseudonym_tables_register
        from projects.navigation import MenuItem, menu_item_register
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register

        from . import demo
        from .models import InzageRequest

        menu_item_register(
            MenuItem("privacy:inzage", "Inzage en bezwaar"),
            sections=("privacy:inzage-detail",),
            before="projects:project_partners",
        )
        menu_item_register(
            MenuItem("privacy:log", "Verwerkingslog"), before="projects:project_partners"
        )
        demo_builder_register(DemoBuilder("privacy.demo.build", demo.build, demo.summary))
        # The person pseudonym of a request follows a key rotation; its address keys (a list)
        # do not, so a request answered under an older key takes no new objection
        # (privacy.services.inzage_objection_record).
        pseudonym_tables_register(PseudonymTable(InzageRequest, ("person_key",)))
