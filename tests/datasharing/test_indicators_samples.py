"""The engine on the wijk-300 sample deliveries must reproduce expected.json exactly.

Pure test (no database). The CSVs are normalised by the minimal test loader in sample_loader.py.
"""

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datasharing.matching.indicators import IndicatorSettings, evaluate, frames_for_chunk
from tests.datasharing.sample_loader import load_sample, normalise_bsn, read_csv

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "wijk-300"
EXPECTED = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
SETTINGS = IndicatorSettings(peildatum=date.fromisoformat(EXPECTED["meta"]["peildatum"]))


@pytest.fixture(scope="module")
def frames():
    return load_sample(SAMPLE)


@pytest.fixture(scope="module")
def result(frames):
    return evaluate(frames, SETTINGS)


def test_loader_matches_the_sample_meta(frames):
    meta = EXPECTED["meta"]
    assert len(frames.bag) == meta["addresses"] == frames.bag["address_key"].nunique()
    assert frames.brp["person_key"].nunique() == meta["persons"]
    raw_brp = read_csv(SAMPLE / "brp.csv")
    assert len(raw_brp) == meta["rows"]["brp.csv"]
    assert int(normalise_bsn(raw_brp["bsn"]).isna().sum()) == meta["invalid_brp_rows"]
    assert frames.brp["address_key"].isin(frames.bag["address_key"]).all()
    assert len(frames.energie) == meta["rows"]["energie.csv"]  # every nummeraanduiding resolved
    assert set(EXPECTED["fired"]) <= set(frames.bag["address_key"])


def test_fired_indicators_per_address_match_expected(result):
    got = {r.address_key: sorted(r.fired) for r in result.summary.itertuples() if r.fired}
    expected = {address: sorted(codes) for address, codes in EXPECTED["fired"].items()}
    assert got == expected


def test_counts_match_expected_meta(result):
    assert result.per_indicator() == EXPECTED["meta"]["per_indicator"]
    assert result.risk_addresses == EXPECTED["meta"]["risk_addresses"]
    assert len(result.summary) == EXPECTED["meta"]["addresses"]
    assert set(result.results["status"]) == {"fired", "not_fired"}  # everything was delivered


def test_fired_rows_explain_themselves(result):
    fired = result.results[result.results["status"] == "fired"]
    assert fired["explanation"].str.len().gt(0).all()
    row = fired[(fired["address_key"] == "5911ID|19|A|1") & (fired["indicator"] == "OVERBEWONING")]
    assert row.iloc[0]["explanation"] == "7 personen op 36 m² (5,1 m² per persoon; drempel 12)"


def test_sample_in_chunks_equals_the_whole_run(frames, result):
    keys = np.array(sorted(frames.bag["address_key"]), dtype=object)
    parts = [
        evaluate(frames_for_chunk(frames, chunk), SETTINGS, address_keys=chunk)
        for chunk in np.array_split(keys, 7)
    ]
    pd.testing.assert_frame_equal(
        pd.concat([p.results for p in parts], ignore_index=True), result.results
    )
    pd.testing.assert_frame_equal(
        pd.concat([p.summary for p in parts], ignore_index=True), result.summary
    )
