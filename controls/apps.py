from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"
    verbose_name = "Controleavonden"

    def ready(self) -> None:
        """Tell the lower layers what controls adds (style rule 33, docs/architecture.md):
        the planner's and the follow-up's menu entries, the tablet's 'Vanavond' entry (tonight's
        route), the inspector's and the behandelaar's start sections, the demo builders; and
        (FOLLOWUP) the close gate of open referrals and the overdue job."""
        from datasharing.registries import PseudonymTable, pseudonym_tables_register
        from projects.constants import Phase
        from projects.gates import closure_blocker_register
        from projects.navigation import (
            MenuItem,
            StartSection,
            Work,
            menu_item_register,
            start_page_set,
        )
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register
        from wijkaanpak.core.jobs import job_register

        from . import demo, demo_followup, tasks
        from .constants import JOB_REFERRALS_MARK_OVERDUE
        from .models import OwnerRevealRequest, Visit
        from .selectors.referrals import referral_closure_blockers
        from .views import followup, planning

        # The planner's pages, before the project's partners and roles in the menu; offered
        # with matching's pages (an evening is planned from the approved selection).
        partners = "projects:project_partners"
        for item, sections in (
            (
                MenuItem("controls:evenings", "Controleavonden", Phase.DATA_UITVRAAG),
                (
                    "controls:evening-create",
                    "controls:evening",
                    "controls:evening-update",
                    "controls:evening-addresses",
                    "controls:visit",
                ),
            ),
            (
                MenuItem("controls:categories", "Bevindingcategorieën", Phase.DATA_UITVRAAG),
                ("controls:category",),
            ),
            # FOLLOWUP: the projectleider's referrals per partner, and the owner view.
            (
                MenuItem("controls:referrals", "Doorverwijzingen", Phase.DATA_UITVRAAG),
                ("controls:referral", "controls:finding-refer"),
            ),
            (MenuItem("controls:owners", "Eigenaren", Phase.DATA_UITVRAAG), ()),
        ):
            menu_item_register(item, sections=sections, before=partners)
        # The inspector's tablet (TABLET): tonight's evenings, right after the overview.
        menu_item_register(
            MenuItem("controls:tonight", "Vanavond"),
            sections=("controls:route",),
            after="projects:detail",
        )
        start_page_set(
            Work.INSPECTEUR,
            StartSection(
                "Mijn controleavonden",
                "controls/start/_evenings.html",
                planning.inspector_start_section,
                intro="De avonden waarop u in een team staat, vanaf vandaag, met de route van "
                "uw team.",
            ),
        )
        demo_builder_register(DemoBuilder("controls.demo.build", demo.build))
        # A visit keeps its address as the pseudonym it was approved under: a key rotation
        # re-keys it with the selection, or the visit would lose its address in the vault.
        # An owner reveal request names the owner by the eigendom pseudonym (a person's BSN or
        # a company's kvk key, per row): re-keyed with the records, a reveal decided after a
        # rotation still finds the owner in the (re-keyed) owner vault.
        pseudonym_tables_register(
            PseudonymTable(Visit, ("address_key",)),
            PseudonymTable(OwnerRevealRequest, ("owner_key",), kind_column="owner_kind"),
        )
        # FOLLOWUP: open referrals keep a project from closing (issue 12.3); the overdue job;
        # the behandelaar's inbox as their start section; referrals, outcomes and the owner in
        # the demo, after the evenings with findings above.
        closure_blocker_register(referral_closure_blockers)
        job_register(JOB_REFERRALS_MARK_OVERDUE, tasks.referrals_mark_overdue_task)
        start_page_set(
            Work.BEHANDELAAR,
            StartSection(
                "Doorverwijzingen aan uw organisatie",
                "controls/followup/_start_inbox.html",
                followup.inbox_start_section,
                intro="De open doorverwijzingen aan uw organisatie, in al uw projecten: de "
                "oudste termijn eerst. Neem er een in behandeling en leg de uitkomst vast.",
            ),
        )
        demo_builder_register(
            DemoBuilder("controls.demo_followup.build", demo_followup.build, demo_followup.summary)
        )
