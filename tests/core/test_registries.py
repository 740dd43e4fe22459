"""The registries through which lower layers learn facts from higher ones (style rule 33)."""

import pytest

from controls.selectors.referrals import referral_closure_blockers
from datasharing.gates import bag_delivery_missing
from datasharing.matching.gates import approved_selection_missing, key_rotation_blocked
from datasharing.registries import (
    KEY_ROTATION_BLOCKERS,
    PSEUDONYM_TABLES,
    RETENTION_HOOKS,
    selection_facts,
)
from projects import gates
from projects.constants import Phase
from tests.factories import project_to_phase
from wijkaanpak.core.demo import DEMO_BUILDERS
from wijkaanpak.core.jobs import JOBS, job_enqueue
from wijkaanpak.core.registry import Registry


def test_registry_keeps_order_without_duplicates_and_can_be_replaced():
    registry: Registry[str] = Registry("test")
    for entry in ("a", "b", "a"):
        registry.register(entry)
    assert registry.entries() == ("a", "b") and len(registry) == 2
    with registry.replaced("c"):
        assert list(registry) == ["c"]
    assert list(registry) == ["a", "b"]


def test_apps_registered_in_installed_apps_order():
    assert [builder.name for builder in DEMO_BUILDERS] == [
        "projects.demo.build",
        "projects.api_demo.build",  # the REST API's demo client, right after the projects
        "datasharing.demo.build",
        "datasharing.matching.demo.build",
        "controls.demo.build",
        "controls.demo_followup.build",
        "reports.demo.build",
        "transparency.demo.build",  # publishes the demo project's public page
        "privacy.demo.build",
    ]
    assert [(gate.phase, gate.check) for gate in gates.GATES] == [
        (Phase.SELECTIE, bag_delivery_missing),
        (Phase.CONTROLEAVONDEN, approved_selection_missing),
    ]
    assert {job.name for job in JOBS} == {
        "delivery_process",
        "matching_run_dispatch",
        "matching_chunk_recover",
        "referrals_mark_overdue",
        "report_generate",
    }
    assert list(gates.CLOSURE_BLOCKERS) == [referral_closure_blockers]
    assert [hook.name for hook in RETENTION_HOOKS] == ["matching"]
    assert selection_facts() is not None
    assert [t.model._meta.label for t in PSEUDONYM_TABLES] == [
        "datasharing.Objection",
        "matching.RiskAddress",
        "matching.IndicatorResult",
        "matching.SelectionProposal",
        "matching.Reidentification",
        "controls.Visit",
        "controls.OwnerRevealRequest",
        "privacy.InzageRequest",
    ]
    assert list(KEY_ROTATION_BLOCKERS) == [key_rotation_blocked]


def test_unknown_job_fails_at_once():
    with pytest.raises(LookupError):
        job_enqueue("bestaat_niet", 1)


@pytest.mark.django_db
def test_registered_gate_and_closure_blocker_are_asked(project_a):
    project = project_to_phase(project_a, Phase.PARTNERS)
    asked = []

    def blocker(project):
        asked.append(project.pk)
        return ["Er staan nog doorverwijzingen open."]

    with gates.GATES.replaced(gates.Gate(Phase.DATA_UITVRAAG, lambda p: ["Nog iets."])):
        assert gates.gate_missing(project, Phase.DATA_UITVRAAG)[-1] == "Nog iets."
    assert "Nog iets." not in gates.gate_missing(project, Phase.DATA_UITVRAAG)
    with gates.CLOSURE_BLOCKERS.replaced(blocker):
        assert gates.gate_missing(project, Phase.AFGESLOTEN) == [
            "Er staan nog doorverwijzingen open."
        ]
        assert gates.project_closure_blockers(project) == ["Er staan nog doorverwijzingen open."]
    assert asked == [project.pk, project.pk]
    assert gates.gate_missing(project, Phase.AFGESLOTEN) == []
