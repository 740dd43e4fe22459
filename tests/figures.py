"""The security figures of a test run, measured by the tests themselves (security.md "Figures
to report"; the README's security section quotes a full `make test`).

A test adds to a figure with `figure_add(name, amount)` *before* it asserts, so a failing run
reports what it found too. Property tests (Hypothesis) are counted by tests/conftest.py, one per
generated input. At the end of the run the figures are printed (pytest's terminal summary) and
written to var/security-figures.json.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

FIGURES: Counter[str] = Counter()

# name -> what it counts, in the order the summary prints them
LABELS = {
    "url_patterns": "URL patterns",
    "url_patterns_with_rows": "URL patterns with access-matrix rows",
    "unprotected_patterns": "patterns reachable without login or second factor (allowlist aside)",
    "matrix_cells": "access-matrix cells tried (role or outsider x URL x method, own project)",
    "matrix_requests": "access-matrix requests made (other project and revocation included)",
    "matrix_wrong_allows": "wrong allows (a request answered that should have been refused)",
    "matrix_403": "403 where 404 was expected",
    "bad_files_tried": "bad files tried (upload corpus)",
    "bad_files_accepted": "bad files accepted",
    "property_inputs": "generated bad or arbitrary inputs tried (Hypothesis: readers, "
    "validators, exports)",
    "raw_bsn_bytes_scanned": "bytes scanned for raw BSNs (database dump, logs, media, "
    "text columns)",
    "raw_bsn_hits": "raw-BSN scan hits",
    "ldv_requests": "personal-data requests (matrix cells showing personal data)",
    "ldv_requests_complete": "personal-data requests with a complete LDV record per subject",
    "ldv_subject_records": "LDV records checked, one per data subject shown",
    "ldv_fail_closed": "personal-data requests tried with a failing log write / answered 500",
    "field_checked_responses": "matrix responses checked against the field allowlist (R3)",
    "field_violations": "fields outside the allowlist (R3)",
    "api_inputs_fuzzed": "generated API inputs tried (Hypothesis: serializers)",
    "atheris_executions": "atheris executions (readers, serializers)",
    "fuzz_crashes": "fuzzing crashes (an exception other than the Dutch validation error)",
}

OUTPUT = Path(__file__).resolve().parent.parent / "var" / "security-figures.json"


def figure_add(name: str, amount: int = 1) -> None:
    if name not in LABELS:
        raise KeyError(f"unknown figure {name!r}: add it to tests/figures.LABELS")
    FIGURES[name] += amount


def figures_lines() -> list[str]:
    return [f"{FIGURES[name]:>10}  {label}" for name, label in LABELS.items() if name in FIGURES]


def figures_write() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps({name: FIGURES[name] for name in LABELS if name in FIGURES}))
