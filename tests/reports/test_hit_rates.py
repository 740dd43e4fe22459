"""Indicator hit rates (issue 15 item 3): on known data, the flag (under 50 % after at least 20
visited addresses), the projectleider's keep/drop decision and its effect, the method page's
panel and the adviser's suppressed view."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

import pytest

from datasharing.matching.indicators.registry import IndicatorCode
from reports import selectors
from reports.constants import (
    DECISION_KEEP_NEEDS_REASON,
    DECISION_NOT_ALLOWED,
    DECISION_NOT_FLAGGED,
    IndicatorDecisionKind,
)
from reports.models import IndicatorDecision
from reports.services import indicator_decision_record
from tests.factories import login_verified
from tests.reports.factories import EveningSpec, seed_controls, seed_selection
from wijkaanpak.core.exceptions import ApplicationError, NotPermitted
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db

A = IndicatorCode.OVERBEWONING.value
B = IndicatorCode.SAMENLOOP_SIGNALEN.value


def _fire(run, proposals, code: str) -> None:
    from datasharing.matching.models import IndicatorResult

    IndicatorResult.objects.bulk_create(
        IndicatorResult(run=run, chunk=0, address_key=p.address_key, indicator=code, status="fired")
        for p in proposals
    )


@pytest.fixture
def hits(project_a, projectleider_a, analist_a, uwv):
    """45 approved addresses: A fired at the first 25 (10 of them with a finding), B at the
    next 19 (none with a finding), the last one fired nothing; 44 visited with a result, one
    address planned but not visited (A fired there too: it does not count)."""
    selection = seed_selection(
        project_a,
        leader=projectleider_a,
        analist=analist_a,
        buurten={"BU01": 50},
        approved_per_buurt={"BU01": 46},
        risk=46,
    )
    approved = selection.approved
    _fire(selection.run, approved[:25], A)
    _fire(selection.run, approved[25:44], B)
    _fire(selection.run, approved[45:46], A)  # the unvisited one
    seed_controls(
        project_a,
        approved,
        leader=projectleider_a,
        organisation=uwv,
        evenings=[
            EveningSpec(
                date(2026, 3, 5),
                visited=45,
                unvisited=1,
                findings=tuple(("zorgsignaal", None, None, None) for _ in range(10)),
            )
        ],
    )
    return project_a


def _rates(project):
    return {r.code: r for r in selectors.hit_rates_for_project(project=project, enabled={A, B})}


def test_hit_rates_on_known_data_and_the_flag(hits, django_assert_num_queries):
    with django_assert_num_queries(2):  # the aggregated counts; the latest decisions
        rates = _rates(hits)
    assert (rates[A].visited, rates[A].confirmed) == (25, 10)
    assert rates[A].rate == pytest.approx(0.4)
    assert rates[A].flagged and rates[A].needs_decision
    assert (rates[B].visited, rates[B].confirmed) == (19, 0)
    assert not rates[B].flagged  # under 20 visited addresses
    # Flagged first.
    assert next(iter(selectors.hit_rates_for_project(project=hits, enabled={A, B}))).code == A


def test_decisions_read_by_the_caller_give_the_same_latest_decision_in_one_query(
    hits, projectleider_a, django_assert_num_queries
):
    """The public page reads every decision once (its history) and hands them over: the hit
    rates then take only the counts' query, and each indicator keeps its latest decision."""
    for reason in ("Eerste afweging.", "Na de tweede avond opnieuw afgewogen."):
        indicator_decision_record(
            actor=projectleider_a,
            project=hits,
            indicator=A,
            decision=IndicatorDecisionKind.KEEP,
            reason=reason,
        )
    decisions = list(selectors.indicator_decisions(project=hits))
    assert [d.reason for d in decisions][-1] == "Na de tweede avond opnieuw afgewogen."
    with django_assert_num_queries(1):  # the aggregated counts only
        given = selectors.hit_rates_for_project(project=hits, enabled={A, B}, decisions=decisions)
    read = selectors.hit_rates_for_project(project=hits, enabled={A, B})
    assert [(r.code, r.decision) for r in given] == [(r.code, r.decision) for r in read]
    assert {r.code: r.decision for r in given}[A] == decisions[-1]


def test_hit_counts_take_one_query_for_many_projects(hits, project_b, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = selectors.hit_counts_for_projects([hits.pk, project_b.pk])
    assert counts[hits.pk][A] == (25, 10) and counts[project_b.pk] == {}


def test_keep_needs_a_reason_and_is_recorded_with_an_event(hits, projectleider_a):
    with pytest.raises(ApplicationError) as error:
        indicator_decision_record(
            actor=projectleider_a,
            project=hits,
            indicator=A,
            decision=IndicatorDecisionKind.KEEP,
            reason="  ",
        )
    assert error.value.message == DECISION_KEEP_NEEDS_REASON
    decision = indicator_decision_record(
        actor=projectleider_a,
        project=hits,
        indicator=A,
        decision=IndicatorDecisionKind.KEEP,
        reason="Overbewoning is bij uitbuiting van arbeidsmigranten de eerste aanwijzing.",
    )
    assert (decision.visited, decision.confirmed, decision.decided_by) == (25, 10, projectleider_a)
    event = Event.objects.get(kind="indicator_decision_recorded")
    assert event.to_state == "behouden" and event.project == hits
    rates = _rates(hits)
    assert rates[A].decision == decision and not rates[A].needs_decision
    # The settings are unchanged: A is still enabled.
    from datasharing.matching.services import indicator_settings_for

    assert A in indicator_settings_for(project=hits).enabled


def test_drop_disables_the_indicator_through_matchings_settings(hits, projectleider_a):
    from datasharing.matching.services import indicator_settings_for

    before = indicator_settings_for(project=hits)
    assert A in before.enabled
    indicator_decision_record(
        actor=projectleider_a,
        project=hits,
        indicator=A,
        decision=IndicatorDecisionKind.DROP,
        reason="",
    )
    after = indicator_settings_for(project=hits)
    assert A not in after.enabled
    assert after.enabled == before.enabled - {A}
    assert after.risk_threshold == before.risk_threshold
    # The next settings version is matching's own Event, beside the decision's.
    assert Event.objects.filter(kind="indicator_settings_updated", project=hits).count() == 1
    assert Event.objects.filter(kind="indicator_decision_recorded", project=hits).count() == 1


def test_decision_refused_when_not_flagged_or_not_the_projectleider(
    hits, analist_a, projectleider_a
):
    with pytest.raises(ApplicationError) as error:
        indicator_decision_record(
            actor=projectleider_a,
            project=hits,
            indicator=B,
            decision=IndicatorDecisionKind.DROP,
            reason="",
        )
    assert error.value.message == DECISION_NOT_FLAGGED
    with pytest.raises(NotPermitted) as refused:
        indicator_decision_record(
            actor=analist_a,
            project=hits,
            indicator=A,
            decision=IndicatorDecisionKind.DROP,
            reason="",
        )
    assert refused.value.message == DECISION_NOT_ALLOWED
    assert not IndicatorDecision.objects.exists()


def test_decide_page_and_panel(hits, client, projectleider_a, adviseur_a):
    login_verified(client, projectleider_a)
    url = reverse("reports:indicator-decide", kwargs={"slug": hits.slug, "code": A})
    page = client.get(url)
    assert page.status_code == 200 and "40 %" in page.content.decode()
    response = client.post(url, {"decision": "behouden", "reason": ""})
    assert response.status_code == 400
    assert DECISION_KEEP_NEEDS_REASON in response.content.decode()
    response = client.post(url, {"decision": "laten_vallen", "reason": "Te weinig raak"})
    assert response.status_code == 302
    assert response.url == reverse("matching:method", kwargs={"slug": hits.slug})
    panel = client.get(reverse("reports:hit-rate-panel", kwargs={"slug": hits.slug}))
    body = panel.content.decode()
    assert "40 %" in body and "laten vallen" in body and "Te weinig raak" in body
    method = client.get(reverse("matching:method", kwargs={"slug": hits.slug})).content.decode()
    assert reverse("reports:hit-rate-panel", kwargs={"slug": hits.slug}) in method
    # The adviser: the same panel, suppressed (the counts here are all 5 or more except B's 0).
    login_verified(client, adviseur_a)
    adviser = client.get(reverse("reports:hit-rate-panel", kwargs={"slug": hits.slug}))
    assert adviser.status_code == 200 and "&lt;5" in adviser.content.decode()


def test_suppressed_hit_rates_hide_small_counts_and_what_gives_them_back():
    from reports.overview import hit_rates_shown
    from reports.selectors import HitRate

    small, back = hit_rates_shown(
        [HitRate(A, "a", visited=7, confirmed=3), HitRate(B, "b", visited=30, confirmed=28)],
        suppressed=True,
    )
    assert (small.visited.label, small.confirmed.label, small.rate) == ("7", "<5", None)
    # 30 visited, 28 confirmed: the 2 without a finding are hidden, so 28 is hidden too.
    assert (back.visited.label, back.confirmed.label, back.rate) == ("30", "•", None)
    shown = hit_rates_shown([HitRate(A, "a", visited=7, confirmed=3)], suppressed=False)
    assert shown[0].confirmed.label == "3" and shown[0].rate == pytest.approx(3 / 7)


def test_the_adviser_sees_hit_rates_over_their_projects_suppressed(hits, client, adviseur_a):
    login_verified(client, adviseur_a)
    body = client.get(reverse("projects:start")).content.decode()
    assert "Trefkans per indicator, alle projecten samen" in body
    assert "40 %" in body  # A: 25 visited, 10 with a finding, 15 without: none small
    assert reverse("reports:indicator-decide", kwargs={"slug": hits.slug, "code": A}) not in body
