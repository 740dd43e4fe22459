from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "In de wachtrij"
    RUNNING = "running", "Bezig"
    SUCCEEDED = "succeeded", "Voltooid"
    FAILED = "failed", "Mislukt"
    CANCELLED = "cancelled", "Geannuleerd"


ACTIVE_RUN_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})

# A run may only move forward; a failed or cancelled run is never resumed, a new run is started.
RUN_TRANSITIONS: dict[RunStatus, set[RunStatus]] = {
    RunStatus.QUEUED: {RunStatus.RUNNING, RunStatus.FAILED, RunStatus.CANCELLED},
    RunStatus.RUNNING: {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED},
    RunStatus.SUCCEEDED: set(),
    RunStatus.FAILED: set(),
    RunStatus.CANCELLED: set(),
}


class ResultStatus(models.TextChoices):
    FIRED = "fired", "Gaat af"
    NOT_FIRED = "not_fired", "Gaat niet af"
    NOT_EVALUATED = "not_evaluated", "Niet geëvalueerd"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Voorgedragen"
    APPROVED = "approved", "Goedgekeurd"
    REJECTED = "rejected", "Afgewezen"


PROPOSAL_TRANSITIONS: dict[ProposalStatus, set[ProposalStatus]] = {
    ProposalStatus.PROPOSED: {ProposalStatus.APPROVED, ProposalStatus.REJECTED},
    ProposalStatus.APPROVED: set(),
    ProposalStatus.REJECTED: set(),
}

# Never used in any selection; listed on the public method page (algoritmeregister).
NEVER_USED = (
    "nationaliteit",
    "geboorteland",
    "etniciteit",
    "religie",
    "gezondheid",
    "geslacht",
    "leeftijd (behalve de toets of iemand op de peildatum 18 jaar of ouder is)",
)


# Jobs (wijkaanpak.core.jobs) of matching, registered in apps.py.
JOB_RUN_DISPATCH = "matching_run_dispatch"
# A chunk whose worker is gone, sent again by the watchdog (services.watchdog, issue 16.1).
JOB_CHUNK_RECOVER = "matching_chunk_recover"
