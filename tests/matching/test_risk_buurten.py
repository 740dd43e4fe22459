"""The risk list's buurt filter reads the buurten the run stored when it succeeded
(MatchingRun.risk_buurten), not DISTINCT over the run's risk rows per view (issue 14.5): the
same options as that query gave, a query count that does not grow with the rows, filled for
existing runs by the migration and emptied by retention with the rows."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from datasharing.matching.models import MatchingRun, RiskAddress
from datasharing.matching.retention import matching_personal_data_destroy

from .conftest import run_inline

pytestmark = pytest.mark.django_db


def distinct_buurten(run: MatchingRun) -> list[str]:
    """What the risk list read per view before: DISTINCT buurtcode over the run's risk rows."""
    return list(
        RiskAddress.objects.filter(run=run, is_risk=True)
        .exclude(buurtcode="")
        .order_by("buurtcode")
        .values_list("buurtcode", flat=True)
        .distinct()
    )


def offered(client, project) -> tuple[list[str], int]:
    """The buurt options of the risk list, and the queries the page took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("matching:risks", args=[project.slug]))
    assert response.status_code == 200
    choices = [value for value, _label in response.context["form"].fields["buurt"].choices]
    assert not any(
        "DISTINCT" in q["sql"] and '"matching_riskaddress"' in q["sql"]
        for q in queries.captured_queries
    )
    return [value for value in choices if value], len(queries.captured_queries)


def test_a_run_keeps_the_buurten_of_its_risk_addresses_and_the_list_offers_them(
    client, verified_client, sample_project, analist_a
):
    run = run_inline(actor=analist_a, project=sample_project, chunk_count=3)
    expected = distinct_buurten(run)
    assert len(expected) > 1
    run.refresh_from_db()
    assert run.risk_buurten == expected

    verified_client(analist_a)
    client.get(reverse("matching:risks", args=[sample_project.slug]))  # warm-up
    buurten, queries = offered(client, sample_project)
    assert buurten == expected

    # Ten times the risk rows of the run, in buurten of their own: the same queries (the
    # options are the run's, stored when it succeeded).
    first = RiskAddress.objects.filter(run=run, is_risk=True).order_by("pk").first()
    RiskAddress.objects.bulk_create(
        RiskAddress(
            run=run,
            chunk=first.chunk,
            address_key=f"{n:064x}",
            pseudonym=f"extra{n:05d}",
            buurtcode=f"BU9{n % 7:04d}",
            score=first.score,
            is_risk=True,
            fired=first.fired,
            results=first.results,
        )
        for n in range(10 * run.risk_address_count)
    )
    assert offered(client, sample_project) == (expected, queries)


def test_the_migration_fills_the_buurten_of_succeeded_runs(sample_project, analist_a):
    run = run_inline(actor=analist_a, project=sample_project, chunk_count=2)
    expected = distinct_buurten(run)
    MatchingRun.objects.filter(pk=run.pk).update(risk_buurten=[])
    migration = importlib.import_module(
        "datasharing.matching.migrations.0005_matchingrun_risk_buurten"
    )
    migration.fill_risk_buurten(apps, None)
    run.refresh_from_db()
    assert run.risk_buurten == expected and expected


def test_retention_empties_the_buurten_with_the_rows(
    client, verified_client, sample_project, analist_a
):
    run = run_inline(actor=analist_a, project=sample_project, chunk_count=2)
    assert run.risk_buurten
    matching_personal_data_destroy(sample_project)
    run.refresh_from_db()
    assert run.risk_buurten == []
    assert not RiskAddress.objects.filter(run=run).exists()
    verified_client(analist_a)
    assert offered(client, sample_project)[0] == []
