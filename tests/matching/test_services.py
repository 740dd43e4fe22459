"""Matching runs end to end on the wijk-300 sample, through the real intake and the database."""

from __future__ import annotations

import pytest

from datasharing.matching import services
from datasharing.matching.models import IndicatorResult, MatchingChunk, MatchingRun, RiskAddress
from datasharing.matching.services import chunks
from wijkaanpak.core.exceptions import InvalidTransition, NotPermitted

from .conftest import deliver, expected_fired, fired_by_address, run_inline

pytestmark = pytest.mark.django_db


def result_set(run: MatchingRun) -> list[tuple]:
    rows = IndicatorResult.objects.filter(run=run).values_list(
        "address_key", "indicator", "status", "figures", "explanation"
    )
    addresses = RiskAddress.objects.filter(run=run).values_list(
        "address_key", "pseudonym", "buurtcode", "score", "is_risk", "fired", "results"
    )
    return sorted(map(repr, rows)) + sorted(map(repr, addresses))


def test_sample_run_fires_exactly_the_expected_indicators(sample_project, analist_a):
    run = run_inline(actor=analist_a, project=sample_project, chunk_count=3)

    assert run.status == "succeeded" and run.is_current and run.progress == 100
    expected = {key: sorted(codes) for key, codes in expected_fired().items()}
    assert fired_by_address(run) == expected
    assert run.address_count == 300
    assert run.risk_address_count == 40
    assert {code: c["fired"] for code, c in run.counts.items()} == {
        "ALLEENSTAAND_MET_VOLWASSENE": 5,
        "BEDRIJVEN_OP_WOONADRES": 2,
        "HUURDER_NIET_INGESCHREVEN": 6,
        "LEEG_MAAR_VERBRUIK": 14,
        "OVERBEWONING": 10,
        "SAMENLOOP_SIGNALEN": 4,
        "TOESLAGPARTNER_ELDERS": 2,
        "VERHUISDYNAMIEK": 2,
    }
    assert run.not_evaluated == []
    # Provenance: every accepted delivery with its content hash, the settings and the version.
    assert len(run.deliveries_used) == 12
    assert all(len(d["content_hash"]) == 64 for d in run.deliveries_used)
    assert run.settings_snapshot["peildatum"] == "2026-10-01"
    assert run.settings_snapshot["overbewoning_m2_per_person"] == 12
    assert run.software_version.startswith("wijkaanpak ")
    # A fired indicator carries the figures that made it fire.
    overbewoning = IndicatorResult.objects.filter(run=run, indicator="OVERBEWONING").first()
    assert overbewoning.status == "fired"
    assert overbewoning.figures["personen"] >= 1 and "m²" in overbewoning.explanation


def test_rerun_gives_identical_results_and_chunking_does_not_matter(sample_project, analist_a):
    first = run_inline(actor=analist_a, project=sample_project, chunk_count=1)
    second = run_inline(actor=analist_a, project=sample_project, chunk_count=5)
    third = run_inline(actor=analist_a, project=sample_project, chunk_count=5)

    assert result_set(first) == result_set(second) == result_set(third)
    assert MatchingRun.objects.filter(project=sample_project, is_current=True).get() == third
    first.refresh_from_db()
    assert not first.is_current and first.status == "succeeded"


def test_redelivered_chunk_never_duplicates(sample_project, analist_a):
    run = services.matching_run_create(actor=analist_a, project=sample_project, chunk_count=2)
    assert services.matching_run_begin(run_id=run.pk)
    services.matching_chunk_process(run_id=run.pk, index=0)
    again = services.matching_chunk_process(run_id=run.pk, index=0)  # redelivery after a crash
    assert again["skipped"] == "done"
    services.matching_chunk_process(run_id=run.pk, index=1)
    run = services.matching_run_finalise(run_id=run.pk)
    assert run.status == "succeeded"
    assert RiskAddress.objects.filter(run=run).count() == 300
    assert MatchingChunk.objects.filter(run=run).count() == 2


def test_failure_at_half_leaves_the_previous_run_current(sample_project, analist_a, monkeypatch):
    good = run_inline(actor=analist_a, project=sample_project, chunk_count=4)
    before = result_set(good)

    def explode(run, index):
        if index >= 2:
            raise RuntimeError("kunstmatige fout halverwege")

    monkeypatch.setattr(chunks, "_chunk_checkpoint", explode)
    with pytest.raises(RuntimeError):
        run_inline(actor=analist_a, project=sample_project, chunk_count=4)

    failed = MatchingRun.objects.filter(project=sample_project).order_by("-id").first()
    assert failed.status == "failed" and not failed.is_current
    assert "kunstmatige fout halverwege" in failed.error
    # Half its chunks had been written; none of it remains, the old list is intact and current.
    assert not RiskAddress.objects.filter(run=failed).exists()
    assert not IndicatorResult.objects.filter(run=failed).exists()
    good.refresh_from_db()
    assert good.is_current and result_set(good) == before
    # A new run can be started after the failure.
    monkeypatch.undo()
    assert run_inline(actor=analist_a, project=sample_project, chunk_count=2).is_current


def test_start_rules(uitvraag_project, analist_a, projectleider_a, partner_orgs, projectleider_b):
    with pytest.raises(InvalidTransition) as error:
        services.matching_run_create(actor=analist_a, project=uitvraag_project)
    assert error.value.message == services.NO_BAG_DELIVERY
    with pytest.raises(NotPermitted) as error:
        services.matching_run_create(actor=projectleider_b, project=uitvraag_project)
    assert error.value.message == services.NOT_ALLOWED_RUN

    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
        skip=("brp", "uitkering", "toeslag", "huur", "kvk", "energie"),
    )
    run = services.matching_run_create(actor=analist_a, project=uitvraag_project, chunk_count=2)
    with pytest.raises(InvalidTransition) as error:
        services.matching_run_create(actor=projectleider_a, project=uitvraag_project)
    assert error.value.message == services.RUN_ALREADY_ACTIVE
    services.matching_run_cancel(actor=projectleider_a, run=run)
    run.refresh_from_db()
    assert run.status == "cancelled"
    # A cancelled run is never resumed: its chunks write nothing.
    assert services.matching_chunk_process(run_id=run.pk, index=0)["skipped"] == "cancelled"
    with pytest.raises(InvalidTransition):
        services.matching_run_cancel(actor=projectleider_a, run=run)

    # Only bag and signaal delivered: indicators lacking a source are 'not evaluated',
    # never 'not fired'.
    run = run_inline(actor=analist_a, project=uitvraag_project, chunk_count=2)
    assert run.status == "succeeded"
    assert set(run.not_evaluated) == {
        "OVERBEWONING",
        "LEEG_MAAR_VERBRUIK",
        "ALLEENSTAAND_MET_VOLWASSENE",
        "HUURDER_NIET_INGESCHREVEN",
        "BEDRIJVEN_OP_WOONADRES",
        "VERHUISDYNAMIEK",
        "TOESLAGPARTNER_ELDERS",
    }
    assert run.counts["OVERBEWONING"] == {"fired": 0, "not_evaluated": 300}
    assert run.counts["SAMENLOOP_SIGNALEN"]["fired"] == 4


def test_run_start_queues_after_commit(
    sample_project, analist_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.matching_run_start(actor=analist_a, project=sample_project, chunk_count=2)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.is_current
    assert run.address_count == 300


def test_run_matching_command_prints_counts(signal_project, analist_a):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command(
        "run_matching", project=signal_project.slug, user=analist_a.username, chunks=2, stdout=out
    )
    text = out.getvalue()
    assert "SAMENLOOP_SIGNALEN" in text and "Risicoadressen (score ≥ 1): 4" in text
    lines = {
        line.split()[0]: line.split()[1:]
        for line in text.splitlines()
        if line.startswith(("SAMEN", "OVER"))
    }
    assert lines["SAMENLOOP_SIGNALEN"] == ["4", "0"]
    assert lines["OVERBEWONING"] == ["0", "300"]
    assert MatchingRun.objects.filter(project=signal_project, status="succeeded").count() == 2
    with pytest.raises(CommandError):
        call_command("run_matching", project="bestaat-niet")


def test_rows_named_only_by_nummeraanduiding_resolve_the_same_whole_and_chunked(
    sample_project, analist_a
):
    """Rows the intake could not give an address key are resolved through the bag, in every
    chunk exactly as in a whole run (loading.py), and give the same results as keyed rows."""
    from django.db import connection

    from datasharing.models import BagRecord, BrpRecord, EnergieRecord

    keyed = run_inline(actor=analist_a, project=sample_project, chunk_count=1)
    bag = BagRecord._meta.db_table
    with connection.cursor() as cursor:
        for model in (BrpRecord, EnergieRecord):
            # Every third row loses its address key and keeps only its nummeraanduiding.
            cursor.execute(
                f"UPDATE {model._meta.db_table} r SET address_key = '', "  # noqa: S608
                f"nummeraanduiding_key = b.nummeraanduiding_key FROM {bag} b "
                "WHERE b.address_key = r.address_key AND b.nummeraanduiding_key <> '' "
                "AND r.project_id = %s AND b.project_id = %s AND r.id %% 3 = 0",
                [sample_project.pk, sample_project.pk],
            )
            assert cursor.rowcount > 0
    whole = run_inline(actor=analist_a, project=sample_project, chunk_count=1)
    chunked = run_inline(actor=analist_a, project=sample_project, chunk_count=4)
    assert result_set(keyed) == result_set(whole) == result_set(chunked)
