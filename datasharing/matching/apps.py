from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "datasharing.matching"
    label = "matching"
    verbose_name = "Matching en selectie"

    def ready(self) -> None:
        """Tell the lower layers what matching adds (style rule 33, docs/architecture.md)."""
        from datasharing.constants import DestructionRule
        from datasharing.registries import (
            PseudonymTable,
            RetentionHook,
            SelectionFacts,
            key_rotation_blocker_register,
            pseudonym_tables_register,
            retention_register,
            selection_facts_register,
        )
        from projects.constants import Phase
        from projects.gates import gate_register
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register
        from wijkaanpak.core.jobs import job_register

        from . import demo, gates, selectors, tasks
        from .constants import JOB_CHUNK_RECOVER, JOB_RUN_DISPATCH
        from .models import IndicatorResult, Reidentification, RiskAddress, SelectionProposal
        from .retention import matching_personal_data_destroy

        gate_register(Phase.CONTROLEAVONDEN, gates.approved_selection_missing)
        job_register(JOB_RUN_DISPATCH, tasks.matching_run_dispatch_task)
        job_register(JOB_CHUNK_RECOVER, tasks.matching_chunk_recover_task)
        retention_register(
            RetentionHook(
                name="matching",
                rules=frozenset(
                    {DestructionRule.PROJECT_CLOSED, DestructionRule.SELECTION_EXPIRED}
                ),
                destroy=matching_personal_data_destroy,
            )
        )
        selection_facts_register(
            SelectionFacts(
                closed_at=selectors.selection_closed_at,
                selected_address_keys=selectors.selected_address_keys,
            )
        )
        pseudonym_tables_register(
            PseudonymTable(RiskAddress, ("address_key",), via="run"),
            PseudonymTable(IndicatorResult, ("address_key",), via="run"),
            PseudonymTable(SelectionProposal, ("address_key",)),
            PseudonymTable(Reidentification, ("address_key",)),
        )
        key_rotation_blocker_register(gates.key_rotation_blocked)
        demo_builder_register(DemoBuilder("datasharing.matching.demo.build", demo.build))
