"""Every write of matching (style rule 4), split by concern:

- settings.py — the project's indicator settings and the software version a run records
- runs.py — a run's lifecycle (RUN_TRANSITIONS): start, begin, fail, cancel, finalise
- chunks.py — one chunk of a run, evaluated and written idempotently (R27)
- selection.py — four eyes: propose, approve or reject (PROPOSAL_TRANSITIONS), close
- watchdog.py — chunk leases with a heartbeat; the beat task that re-dispatches a chunk whose
  worker is gone and finalises a run whose chord callback never came (issue 16.1)
- reidentification.py — the real address of an approved proposal, logged first (R20/R21)

A run is started by `matching_run_start`, which records exactly what it will use and queues it.
The work is split into chunks (`matching_chunk_process`), each idempotent: it writes its
results in one transaction and a chunk that was already written is skipped, so a redelivered
task (acks_late, R27) never duplicates. `matching_run_finalise` switches the run in as the
project's current run atomically (R30); until then the previous list stays visible. Celery
tasks, the `run_matching` command and the tests all call these same functions.
"""

from .chunks import (
    ADDRESS_COLUMNS,
    RESULT_COLUMNS,
    delivery_set_for,
    display_pseudonym,
    matching_chunk_process,
)
from .reidentification import (
    ADDRESS_NOT_IN_VAULT,
    NOT_ALLOWED_REIDENTIFY,
    NOT_APPROVED,
    address_format,
    address_from_vault,
    address_reidentify,
    reidentification_create,
    reidentified_address,
)
from .runs import (
    CHUNK_ADDRESSES,
    CHUNKS_MISSING,
    NO_BAG_DELIVERY,
    NOT_ALLOWED_RUN,
    PHASE_TOO_EARLY,
    PROJECT_CLOSED,
    QUEUE_UNAVAILABLE,
    RUN_ALREADY_ACTIVE,
    RUN_NOT_ACTIVE,
    default_chunk_count,
    matching_run_begin,
    matching_run_cancel,
    matching_run_create,
    matching_run_execute_inline,
    matching_run_fail,
    matching_run_finalise,
    matching_run_start,
)
from .selection import (
    ALREADY_DECIDED,
    ALREADY_PROPOSED,
    NOT_A_RISK_ADDRESS,
    NOT_ALLOWED_CLOSE,
    NOT_ALLOWED_DECIDE,
    NOT_ALLOWED_PROPOSE,
    NOT_CURRENT_RUN,
    NOTHING_APPROVED,
    OWN_PROPOSAL,
    REASON_REQUIRED,
    SELECTION_ALREADY_CLOSED,
    SELECTION_CLOSED,
    WHAT_CHANGED_REQUIRED,
    reason_required,
    selection_approve,
    selection_close,
    selection_decide,
    selection_propose,
    selection_reject,
)
from .settings import (
    NOT_ALLOWED_SETTINGS,
    SETTING_FIELDS,
    indicator_settings_for,
    indicator_settings_update,
    software_version,
)
from .watchdog import (
    CHUNK_KEEPS_FAILING,
    WatchdogOutcome,
    chunk_lease,
    matching_chunk_recovered,
    matching_watchdog,
)

__all__ = [
    "CHUNK_KEEPS_FAILING",
    "WatchdogOutcome",
    "chunk_lease",
    "matching_chunk_recovered",
    "matching_watchdog",
    "ADDRESS_COLUMNS",
    "ADDRESS_NOT_IN_VAULT",
    "ALREADY_DECIDED",
    "ALREADY_PROPOSED",
    "CHUNKS_MISSING",
    "CHUNK_ADDRESSES",
    "NOTHING_APPROVED",
    "NOT_ALLOWED_CLOSE",
    "NOT_ALLOWED_DECIDE",
    "NOT_ALLOWED_PROPOSE",
    "NOT_ALLOWED_REIDENTIFY",
    "NOT_ALLOWED_RUN",
    "NOT_ALLOWED_SETTINGS",
    "NOT_APPROVED",
    "NOT_A_RISK_ADDRESS",
    "NOT_CURRENT_RUN",
    "NO_BAG_DELIVERY",
    "OWN_PROPOSAL",
    "PHASE_TOO_EARLY",
    "PROJECT_CLOSED",
    "QUEUE_UNAVAILABLE",
    "REASON_REQUIRED",
    "RESULT_COLUMNS",
    "RUN_ALREADY_ACTIVE",
    "RUN_NOT_ACTIVE",
    "SELECTION_ALREADY_CLOSED",
    "SELECTION_CLOSED",
    "SETTING_FIELDS",
    "WHAT_CHANGED_REQUIRED",
    "address_format",
    "address_from_vault",
    "address_reidentify",
    "default_chunk_count",
    "delivery_set_for",
    "display_pseudonym",
    "indicator_settings_for",
    "indicator_settings_update",
    "matching_chunk_process",
    "matching_run_begin",
    "matching_run_cancel",
    "matching_run_create",
    "matching_run_execute_inline",
    "matching_run_fail",
    "matching_run_finalise",
    "matching_run_start",
    "reason_required",
    "reidentification_create",
    "reidentified_address",
    "selection_approve",
    "selection_close",
    "selection_decide",
    "selection_propose",
    "selection_reject",
    "software_version",
]
