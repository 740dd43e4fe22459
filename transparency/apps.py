from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "transparency"
    verbose_name = "Openbaarheid"

    def ready(self) -> None:
        """Tell the lower layers what transparency adds (style rule 33, docs/architecture.md)."""
        from projects.constants import Phase
        from projects.navigation import MenuItem, menu_item_register
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register

        from . import demo

        # The preview page needs MANAGE: the menu offers it to the projectleider only.
        menu_item_register(
            MenuItem("transparency:preview", "Openbare projectpagina", Phase.DATA_UITVRAAG),
            after="matching:method",
        )
        demo_builder_register(DemoBuilder("transparency.demo.build", demo.build, demo.summary))
