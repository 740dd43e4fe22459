from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"

    def ready(self) -> None:
        """Tell the lower layers what controls adds (style rule 33, docs/architecture.md)."""
        from projects.gates import closure_blocker_register
        from projects.navigation import StartSection, Work, start_page_set
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register
        from wijkaanpak.core.jobs import job_register

        from . import demo_followup, tasks
        from .constants import JOB_REFERRALS_MARK_OVERDUE
        from .selectors.referrals import referral_closure_blockers
        from .views import followup

        # FOLLOWUP: open referrals keep a project from closing (issue 12.3); the overdue job.
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
        # After CONTROLS' builder (evenings with findings): referrals, outcomes, the owner.
        demo_builder_register(DemoBuilder("controls.demo_followup.build", demo_followup.build))
