"""The dashboard, the KPI form, the report list, the fairness panel and the adviser's overview."""

from pathlib import Path

from django.urls import reverse

import pytest

from reports import charts
from reports.models import KpiTarget
from tests.factories import login_verified
from tests.reports.conftest import plan_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_static_chart_css_is_pygals_own():
    assert (ROOT / "static/css/charts.css").read_text() == charts.chart_css()


def test_chart_has_no_script_or_style_and_escapes_labels():
    svg = charts.bar_chart(['<script>alert("x")</script>', "b"], [3, 4])
    assert "<script" not in svg and "<style" not in svg and " style=" not in svg
    assert "&lt;script&gt;" in svg
    assert svg.startswith('<svg aria-hidden="true"')


def test_dashboard_shows_figures_beside_tables_for_members_not_the_adviser(
    client, reported, projectleider_a, inspecteur_a, adviseur_a
):
    url = reverse("reports:dashboard", kwargs={"slug": reported.slug})
    for person in (projectleider_a, inspecteur_a):
        login_verified(client, person)
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<svg") >= 3 and "<script" not in html.split("<main", 1)[1]
        assert 'data-figure="visited"' in html
        assert '<td class="utrecht-table__cell utrecht-table__cell--numeric">7</td>' in html
        client.logout()
    login_verified(client, adviseur_a)
    assert client.get(url).status_code == 404
    start = client.get(reverse("projects:start")).content.decode()
    assert "Projecten die u adviseert" in start and "&lt;5" in start
    assert reverse("reports:dashboard", kwargs={"slug": reported.slug}) not in start


def test_kpi_form_saves_targets_for_the_projectleider(client, reported, projectleider_a):
    plan = plan_for(reported, projectleider_a)
    login_verified(client, projectleider_a)
    plan_page = client.get(
        reverse("projects:plan_detail", kwargs={"slug": reported.slug, "version": plan.version})
    )
    url = reverse("reports:kpi-targets", kwargs={"slug": reported.slug, "version": plan.version})
    assert url in plan_page.content.decode()
    response = client.post(
        url, {"target_adressen_gecontroleerd": "400", "target_bedrag_boetes": "-1"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'id="id_target_bedrag_boetes-fout" role="alert">Zorg ervoor dat deze waarde minstens 0'
        in html
    )
    response = client.post(
        url, {"target_adressen_gecontroleerd": "400", "target_bedrag_teruggevorderd": "100000"}
    )
    assert response.status_code == 302
    assert dict(KpiTarget.objects.values_list("measure", "target")) == {
        "adressen_gecontroleerd": 400,
        "bedrag_teruggevorderd": 100000,
    }
    dashboard = client.get(reverse("reports:dashboard", kwargs={"slug": reported.slug}))
    assert 'data-kpi="adressen_gecontroleerd"' in dashboard.content.decode()


def test_fairness_panel_is_suppressed_for_the_adviser(
    client, reported, projectleider_a, adviseur_a
):
    url = reverse("reports:fairness-panel", kwargs={"slug": reported.slug})
    login_verified(client, projectleider_a)
    html = client.get(url).content.decode()
    assert ">BU03</th>" in html and "&lt;5" not in html
    method = client.get(reverse("matching:method", kwargs={"slug": reported.slug})).content.decode()
    assert url in method
    client.logout()
    login_verified(client, adviseur_a)
    html = client.get(url).content.decode()
    assert "&lt;5" in html  # BU03 has one approved address


def test_pdf_charts_carry_their_own_style_but_never_script():
    svg = charts.bar_chart(["a", "b"], [3, 4], for_pdf=True)
    assert "<style" in svg and "<script" not in svg
