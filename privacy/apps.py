from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy (inzage, bezwaar, verwerkingslog)"

    def ready(self) -> None:
        """Tell the lower layers what privacy adds (style rule 33, docs/architecture.md)."""
        from projects.navigation import MenuItem, menu_item_register
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register

        from . import demo

        menu_item_register(
            MenuItem("privacy:inzage", "Inzage en bezwaar"),
            sections=("privacy:inzage-detail",),
            before="projects:project_partners",
        )
        menu_item_register(
            MenuItem("privacy:log", "Verwerkingslog"), before="projects:project_partners"
        )
        demo_builder_register(DemoBuilder("privacy.demo.build", demo.build, demo.summary))
