from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"

    def ready(self) -> None:
        self._tablet_navigation()

    @staticmethod
    def _tablet_navigation() -> None:
        """The inspector's start page and project menu lead to tonight's route (TABLET)."""
        from projects.navigation import PROJECT_MENU, MenuItem, StartSection, Work, start_page_set

        from .views.field import tonight_start_section

        start_page_set(
            Work.INSPECTEUR,
            StartSection(
                "Vanavond",
                "controls/tablet/_start_tonight.html",
                tonight_start_section,
                intro="De controleavonden van vandaag waarop u in een team zit. Open de "
                "route voordat u op pad gaat: dan staat ze ook zonder verbinding op uw tablet.",
            ),
        )
        if not any(item.url_name == "controls:tonight" for item in PROJECT_MENU):
            PROJECT_MENU.append(MenuItem("controls:tonight", "Vanavond"))
