from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"
    verbose_name = "Controleavonden"

    def ready(self) -> None:
        """Tell the lower layers what controls adds (style rule 33, docs/architecture.md):
        the planner's menu entries, the inspector's start section (tonight's evening leads to
        the tablet's route) and 'Vanavond' in the menu, and the demo builders."""
        from projects.constants import Phase
        from projects.navigation import (
            MENU_SECTIONS,
            PROJECT_MENU,
            MenuItem,
            StartSection,
            Work,
            start_page_set,
        )
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register

        from . import demo
        from .views import planning

        # The planner's pages, before the project's partners and roles in the menu.
        items = [
            MenuItem("controls:evenings", "Controleavonden", Phase.DATA_UITVRAAG),
            MenuItem("controls:categories", "Bevindingcategorieën", Phase.DATA_UITVRAAG),
        ]
        names = [item.url_name for item in PROJECT_MENU]
        if "controls:evenings" not in names:
            at = (
                names.index("projects:project_partners")
                if "projects:project_partners" in names
                else len(names)
            )
            PROJECT_MENU[at:at] = items
        MENU_SECTIONS.update(
            {
                "controls:evening-create": "controls:evenings",
                "controls:evening": "controls:evenings",
                "controls:evening-update": "controls:evenings",
                "controls:evening-addresses": "controls:evenings",
                "controls:visit": "controls:evenings",
                "controls:category": "controls:categories",
            }
        )
        # The inspector's tablet (TABLET): tonight's evenings, right after the overview.
        if "controls:tonight" not in [item.url_name for item in PROJECT_MENU]:
            at = [item.url_name for item in PROJECT_MENU].index("projects:detail") + 1
            PROJECT_MENU.insert(at, MenuItem("controls:tonight", "Vanavond"))
        MENU_SECTIONS.update({"controls:route": "controls:tonight"})
        start_page_set(
            Work.INSPECTEUR,
            StartSection(
                "Mijn controleavonden",
                "controls/start/_evenings.html",
                planning.inspector_start_section,
                intro="De avonden waarop u in een team staat, vanaf vandaag. Open de route van "
                "vanavond voordat u op pad gaat: dan werkt hij ook zonder verbinding.",
            ),
        )
        demo_builder_register(DemoBuilder("controls.demo.build", demo.build))
