"""The matching demo: a run, four-eyes proposals, phase selectie; a second load changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

import pytest

from datasharing.constants import ADDRESSED_SOURCES, DeliveryStatus, Source
from datasharing.matching.models import MatchingRun, RiskAddress, SelectionProposal
from datasharing.models import Delivery
from datasharing.pseudonymisation import vault_lookup
from projects.constants import Phase
from projects.demo import DEMO_PROJECT_SLUGS
from projects.models import Project
from tests.matching.conftest import expected_fired, fired_by_address
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def test_demo_runs_matching_proposes_decides_and_reaches_selectie():
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG])
    assert project.phase == Phase.SELECTIE
    run = MatchingRun.objects.get(project=project)
    assert run.status == "succeeded" and run.is_current
    assert len(run.deliveries_used) == 12
    assert RiskAddress.objects.filter(run=run).count() == run.address_count == 300
    # The demo's streets did not change what fires: the sample's expected indicators, but for
    # overbewoning, which the projectleider's wider norm (18 m² per person, one settings
    # change) fires at more addresses: where the default 12 m² fires, and more.
    overbewoning = "OVERBEWONING"

    def without(fired: dict[str, list[str]]) -> dict[str, list[str]]:
        rest = {key: [c for c in codes if c != overbewoning] for key, codes in fired.items()}
        return {key: codes for key, codes in rest.items() if codes}

    def wide(fired: dict[str, list[str]]) -> set[str]:
        return {key for key, codes in fired.items() if overbewoning in codes}

    fired, expected = fired_by_address(run), expected_fired()
    assert without(fired) == without(expected)
    assert wide(expected) < wide(fired) and len(wide(fired)) >= 20
    assert Event.objects.filter(project=project, kind="indicator_settings_updated").count() == 1
    # The project's area is where its deliveries are (issue #9 item 7): nothing outside it.
    deliveries = Delivery.objects.filter(project=project, status=DeliveryStatus.GEACCEPTEERD)
    assert set(deliveries.values_list("source", flat=True)) == set(Source.values)
    for delivery in deliveries:
        expected = 0 if delivery.source in ADDRESSED_SOURCES else None  # persons: not checked
        assert delivery.report["outside_area_rows"] == expected, delivery.original_filename
    # Re-identified addresses of the demo show their street and place.
    approved = SelectionProposal.objects.filter(project=project, status="approved").first()
    parts = vault_lookup(project=project, address_key=approved.address_key)
    assert parts["straatnaam"] and parts["woonplaats"] == "Voorbeeldstad"
    # The matching demo's four proposals (the first ones); the controls demo approves more
    # (controls.demo) so that its two evenings have addresses, all approved.
    proposals = SelectionProposal.objects.filter(project=project)
    first_four = list(proposals.order_by("pk").values_list("pk", flat=True)[:4])
    assert set(proposals.exclude(pk__in=first_four).values_list("status", flat=True)) <= {
        "approved"
    }
    proposals = proposals.filter(pk__in=first_four)
    assert sorted(proposals.values_list("status", flat=True)) == [
        "approved",
        "approved",
        "proposed",
        "rejected",
    ]
    for proposal in proposals:
        assert proposal.proposed_by.username == "analist" and proposal.reason
        assert proposal.risk_address.is_risk
        if proposal.status != "proposed":
            assert proposal.decided_by.username == "projectleider" and proposal.decision_reason
    before = (
        MatchingRun.objects.count(),
        RiskAddress.objects.count(),
        list(proposals.order_by("pk").values_list("pk", "status")),
    )

    call_command("load_demo", stdout=StringIO())

    after = (
        MatchingRun.objects.count(),
        RiskAddress.objects.count(),
        list(proposals.order_by("pk").values_list("pk", "status")),
    )
    assert after == before
