"""The figures of a project (reports.selectors): right, and in six queries however many rows or
projects."""

from datetime import date
from decimal import Decimal

import pytest

from reports import selectors
from reports.constants import KpiMeasure
from reports.models import KpiTarget
from tests.factories import ProjectFactory
from tests.reports.conftest import plan_for
from tests.reports.factories import EveningSpec, seed_controls, seed_selection

pytestmark = pytest.mark.django_db


def test_funnel_and_totals(reported):
    figures = selectors.project_figures(project=reported)
    assert {key: value for key, _label, value in figures.funnel()} == {
        "addresses": 30,
        "risk_addresses": 12,
        "proposed": 12,
        "approved": 10,
        "visited": 7,
        "with_findings": 5,
        "referrals": 5,
        "outcomes": 3,
    }
    assert figures.recovered == Decimal("1200.50")
    assert figures.fines == Decimal("300.00")
    assert figures.evenings_held == 2
    assert dict(figures.findings_per_category) == {
        "Adresfraude (BRP klopt niet)": 1,
        "Uitkeringsfraude": 2,
        "Zorgsignaal (schulden, vervuiling, jeugd, huiselijk geweld)": 2,
    }
    assert [(p.organisation, p.by_status) for p in figures.referrals_per_partner] == [
        ("UWV", {"afgehandeld": 3, "verzonden": 2})
    ]
    assert figures.referrals_per_kind == {"handhaving": 2, "zorg": 2, "terugmelding_brp": 1}


def test_course_is_cumulative_per_evening(reported):
    figures = selectors.project_figures(project=reported)
    assert figures.course(KpiMeasure.ADRESSEN_GECONTROLEERD) == [
        (date(2026, 3, 5), Decimal(4)),
        (date(2026, 4, 9), Decimal(7)),
    ]
    assert figures.course(KpiMeasure.BEDRAG_TERUGGEVORDERD) == [
        (date(2026, 3, 5), Decimal("1200.50")),
        (date(2026, 4, 9), Decimal("1200.50")),
    ]
    assert figures.measure(KpiMeasure.DOORVERWIJZINGEN_ZORG) == 2
    assert figures.course(KpiMeasure.DOORVERWIJZINGEN_ZORG)[0][1] == 1


def test_kpi_rows_target_against_result(reported, projectleider_a):
    plan = plan_for(reported, projectleider_a)
    assert selectors.kpi_plan_version(project=reported) == plan
    KpiTarget.objects.create(plan_version=plan, measure="adressen_gecontroleerd", target=400)
    KpiTarget.objects.create(plan_version=plan, measure="bedrag_boetes", target=1000)
    figures = selectors.project_figures(project=reported)
    rows = {row.measure: row for row in selectors.kpi_rows(project=reported, figures=figures)}
    assert rows["adressen_gecontroleerd"].result == 7
    assert rows["adressen_gecontroleerd"].percentage == 1
    assert rows["bedrag_boetes"].percentage == 30
    assert [v for _d, v in rows["bedrag_boetes"].course] == [Decimal(0), Decimal(300)]


def test_fairness_spread_and_contribution(reported):
    fairness = selectors.fairness_for_project(project=reported)
    by_buurt = {row.buurtcode: row for row in fairness.buurten}
    assert (fairness.addresses, fairness.approved) == (30, 10)
    assert by_buurt["BU01"].approved_share == pytest.approx(0.6)
    assert by_buurt["BU01"].address_share == pytest.approx(1 / 3)
    assert by_buurt["BU01"].ratio == pytest.approx(1.8)
    assert by_buurt["BU03"].ratio == pytest.approx(0.6)
    indicators = {row.code: row for row in fairness.indicators}
    assert indicators["samenloop_signalen"].fired == 10
    assert indicators["samenloop_signalen"].mean_points == pytest.approx(3)
    assert indicators["overbewoning"].points_share == pytest.approx(0.4)


def test_six_queries_however_many_rows_and_projects(
    reported, django_assert_num_queries, projectleider_b, analist_a, uwv, convenants
):
    with django_assert_num_queries(6):
        small = selectors.figures_for_projects([reported.pk])
    other = ProjectFactory(created_by=projectleider_b)
    selection = seed_selection(
        other,
        leader=projectleider_b,
        analist=analist_a,
        buurten={"BU09": 40},
        approved_per_buurt={"BU09": 20},
        risk=25,
    )
    seed_controls(
        other,
        selection.approved,
        leader=projectleider_b,
        organisation=uwv,
        evenings=[
            EveningSpec(date(2026, 6, d), 3, (("overig", "zorg", "hulpverlening", None),) * 3)
            for d in range(1, 7)
        ],
    )
    with django_assert_num_queries(6):
        both = selectors.figures_for_projects([reported.pk, other.pk])
    assert both[reported.pk].funnel() == small[reported.pk].funnel()
    assert both[other.pk].visited == 18
    assert both[other.pk].outcomes == 18
