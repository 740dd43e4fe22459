"""`evaluate()`: run the enabled rules and assemble the long results and per-address summary.

Only fired rows get Python-level work (their figures dict and Dutch sentence); everything per
address is numpy. String columns are object dtype on purpose: the 2 M-row results frame then
shares one Python string per address instead of copying each key into Arrow eight times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .prepare import Frames, as_frames, make_scope, prepare_brp
from .registry import INDICATORS, IndicatorSettings, Source, Status
from .rules import FIRED, NOT_EVALUATED, RULES, Context, Outcome, delivery_latest_jaar
from .texts import EXPLAIN, not_evaluated_sources

RESULT_COLUMNS = ("address_key", "indicator", "status", "figures", "explanation", "weight")
SUMMARY_COLUMNS = ("address_key", "buurtcode", "score", "is_risk", "fired")

_STATUS_NAMES = np.array(
    [Status.NOT_FIRED.value, Status.FIRED.value, Status.NOT_EVALUATED.value], dtype=object
)


@dataclass(frozen=True)
class IndicatorResult:
    """`results`: one row per (address, enabled indicator), sorted by address_key then registry
    order; columns RESULT_COLUMNS. `summary`: one row per address, sorted by address_key;
    columns SUMMARY_COLUMNS, `fired` a tuple of codes in registry order."""

    results: pd.DataFrame
    summary: pd.DataFrame

    def per_indicator(self) -> dict[str, int]:
        """Number of addresses on which each enabled indicator fired, in registry order."""
        fired = self.results.loc[self.results["status"] == Status.FIRED.value, "indicator"]
        counts = fired.value_counts()
        return {str(c): int(counts.get(c, 0)) for c in pd.unique(self.results["indicator"])}

    @property
    def risk_addresses(self) -> int:
        return int(self.summary["is_risk"].sum())


def _json_value(value: Any) -> Any:
    """numpy-free, and whole floats as int (oppervlakte 28.0 → 28) for readable JSON."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _figure_dicts(figures: dict[str, Any], idx: np.ndarray) -> list[dict[str, Any]]:
    columns = [
        [_json_value(v) for v in values[idx].tolist()]
        if isinstance(values, np.ndarray)
        else [_json_value(values)] * len(idx)
        for values in figures.values()
    ]
    names = list(figures)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _object_series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object, copy=False)


def evaluate(
    frames: Frames | Mapping[str, pd.DataFrame | None],
    settings: IndicatorSettings,
    *,
    address_keys: Iterable[str] | None = None,
) -> IndicatorResult:
    """Evaluate the enabled indicators for `address_keys` (default: every bag address).

    The output depends only on the set of input rows and the settings, not on row order. For a
    chunked run the package docstring lists the rows a chunk needs (`frames_for_chunk`).
    Raises ValueError for a missing bag, missing columns, or address_keys outside the bag.
    """
    frames = as_frames(frames)
    scope = make_scope(frames, address_keys)
    codes = settings.enabled_codes()
    delivered = frames.delivered()
    needs_brp = any(Source.BRP in INDICATORS[c].sources for c in codes)
    persons = (
        prepare_brp(frames.brp, scope, settings) if frames.brp is not None and needs_brp else None
    )
    ctx = Context(scope=scope, frames=frames, settings=settings, persons=persons)

    n, k = len(scope.chunk), len(codes)
    status = np.zeros((n, k), dtype=np.int8)
    figures = np.empty(n * k, dtype=object)
    explanation = np.full(n * k, "", dtype=object)
    for j, code in enumerate(codes):
        missing = [s.value for s in INDICATORS[code].sources if s.value not in delivered]
        if missing:
            reason = not_evaluated_sources(missing)
            outcome = Outcome(np.full(n, NOT_EVALUATED, np.int8), {}, reason)
        else:
            outcome = RULES[code](ctx)
        status[:, j] = outcome.status
        fired = np.flatnonzero(outcome.status == FIRED)
        dicts = _figure_dicts(outcome.figures, fired)
        figures[fired * k + j] = dicts
        explain = EXPLAIN[code]
        explanation[fired * k + j] = [explain(d) for d in dicts]
        flat = np.flatnonzero(outcome.status == NOT_EVALUATED) * k + j
        explanation[flat] = outcome.not_evaluated_reason
        if missing:
            figures[flat] = [{"ontbrekende_bronnen": list(missing)} for _ in range(len(flat))]
    empty = np.flatnonzero(pd.isna(figures))
    figures[empty] = [{} for _ in range(len(empty))]

    weights = np.array([settings.weight(c) for c in codes], dtype=np.int64)
    code_names = np.array([c.value for c in codes], dtype=object)
    results = pd.DataFrame(
        {
            "address_key": _object_series(np.repeat(scope.chunk.keys, k)),
            "indicator": _object_series(np.tile(code_names, n)),
            "status": _object_series(_STATUS_NAMES[status.ravel()]),
            "figures": _object_series(figures),
            "explanation": _object_series(explanation),
            "weight": np.tile(weights, n),
        },
        columns=list(RESULT_COLUMNS),
    )

    is_fired = status == FIRED
    score = is_fired.astype(np.int64) @ weights if k else np.zeros(n, np.int64)
    fired_codes = np.empty(n, dtype=object)
    fired_codes[:] = [()] * n
    rows, cols = np.nonzero(is_fired)  # row-major: codes stay in registry order
    if len(rows):
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        for start, end in zip(starts.tolist(), np.r_[starts[1:], len(rows)].tolist(), strict=True):
            fired_codes[rows[start]] = tuple(code_names[cols[start:end]].tolist())
    summary = pd.DataFrame(
        {
            "address_key": _object_series(scope.chunk.keys),
            "buurtcode": _object_series(scope.chunk.buurtcode),
            "score": score,
            "is_risk": score >= settings.risk_threshold,
            "fired": _object_series(fired_codes),
        },
        columns=list(SUMMARY_COLUMNS),
    )
    return IndicatorResult(results=results, summary=summary)


def frames_for_chunk(
    frames: Frames | Mapping[str, pd.DataFrame | None], address_keys: Iterable[str]
) -> Frames:
    """The minimal rows a chunk needs to give exactly the whole run's results for its addresses.

    Executable form of the chunking contract in the package docstring; any superset of these
    rows gives the same results too.
    """
    frames = as_frames(frames)
    keys = pd.Index(pd.unique(pd.Series(list(address_keys), dtype=object)), dtype=object)

    def rows_where(
        frame: pd.DataFrame | None, column: str, values: pd.Index
    ) -> pd.DataFrame | None:
        if frame is None:
            return None
        return frame[pd.Series(frame[column], dtype=object).isin(values).to_numpy()]

    brp, uitkering, toeslag = frames.brp, frames.uitkering, frames.toeslag
    if brp is not None:
        here = pd.Series(brp["address_key"], dtype=object).isin(keys).to_numpy()
        people = pd.Index(pd.unique(brp["person_key"][here].dropna()), dtype=object)
        uitkering = rows_where(uitkering, "person_key", people)
        toeslag = rows_where(toeslag, "person_key", people)
        has_partners = toeslag is not None and "partner_key" in toeslag.columns
        partner_keys = (
            toeslag["partner_key"].dropna() if has_partners and toeslag is not None else []
        )
        partners = pd.Index(partner_keys, dtype=object)
        brp = brp[here | pd.Series(brp["person_key"], dtype=object).isin(partners).to_numpy()]
    by_address = {
        s: rows_where(getattr(frames, s), "address_key", keys)
        for s in ("huur", "kvk", "energie", "signaal")
    }
    latest = frames.energie_latest_jaar
    return Frames(
        bag=frames.bag,
        brp=brp,
        uitkering=uitkering,
        toeslag=toeslag,
        **by_address,
        energie_latest_jaar=latest if latest is not None else delivery_latest_jaar(frames.energie),
    )
