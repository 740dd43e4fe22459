"""Measures, report kinds and the report version's lifecycle (style rules 9–11)."""

from __future__ import annotations

from django.db import models

# Counts from 1 up to (not including) this are shown as '<5' to the VNG Naleving adviser.
SMALL_CELL_THRESHOLD = 5
SMALL_CELL_LABEL = "<5"
# A cell hidden only so that a total cannot give a small one back (secondary suppression).
SECONDARY_LABEL = "•"


class KpiMeasure(models.TextChoices):
    """The fixed list of measures a plan version may set a target for (prestatieafspraken)."""

    ADRESSEN_GECONTROLEERD = "adressen_gecontroleerd", "Adressen gecontroleerd"
    ADRESSEN_MET_BEVINDING = "adressen_met_bevinding", "Adressen met een bevinding"
    DOORVERWIJZINGEN = "doorverwijzingen", "Doorverwijzingen (alle)"
    DOORVERWIJZINGEN_ZORG = "doorverwijzingen_zorg", "Doorverwijzingen zorg"
    DOORVERWIJZINGEN_HANDHAVING = "doorverwijzingen_handhaving", "Doorverwijzingen handhaving"
    HULPVERLENING_GESTART = "hulpverlening_gestart", "Hulpverlening gestart"
    BRP_CORRECTIES = "brp_correcties", "BRP-correcties"
    BEDRAG_TERUGGEVORDERD = "bedrag_teruggevorderd", "Bedrag teruggevorderd (€)"
    BEDRAG_BOETES = "bedrag_boetes", "Bedrag aan boetes (€)"
    CONTROLEAVONDEN = "controleavonden", "Controleavonden gehouden"


# Measures in euros (shown with two decimals); the others are counts.
AMOUNT_MEASURES = frozenset({KpiMeasure.BEDRAG_TERUGGEVORDERD, KpiMeasure.BEDRAG_BOETES})


class ReportKind(models.TextChoices):
    TUSSENRAPPORTAGE = "tussenrapportage", "Tussenrapportage"
    EINDRAPPORTAGE = "eindrapportage", "Eindrapportage"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "In de wachtrij"
    RUNNING = "running", "Wordt gemaakt"
    READY = "ready", "Klaar"
    FAILED = "failed", "Mislukt"


REPORT_TRANSITIONS: dict[ReportStatus, set[ReportStatus]] = {
    ReportStatus.QUEUED: {ReportStatus.RUNNING, ReportStatus.FAILED},
    ReportStatus.RUNNING: {ReportStatus.READY, ReportStatus.FAILED},
    ReportStatus.READY: set(),
    ReportStatus.FAILED: set(),
}
REPORT_ACTIVE_STATUSES = frozenset({ReportStatus.QUEUED, ReportStatus.RUNNING})

# Jobs (wijkaanpak.core.jobs) of reports, registered in apps.py.
JOB_REPORT_GENERATE = "report_generate"

# Exports (13.6): what can be exported, in which format.
EXPORT_KINDS = ("bevindingen", "doorverwijzingen", "voortgang")
EXPORT_FORMATS = ("csv", "xlsx")

# Service messages (asserted exactly in the tests).
KPI_PLAN_SUPERSEDED = (
    "Er is een nieuwere versie van het projectplan; leg de doelen vast bij de nieuwste versie."
)
KPI_TARGET_NEGATIVE = "Een doel is nul of meer."
REPORT_ALREADY_RUNNING = "Er wordt al een rapportage gemaakt; wacht tot die klaar is."
REPORT_END_NEEDS_PHASE = (
    "Een eindrapportage kan pas in de fase Rapportage of als het project is afgesloten."
)
REPORT_NOT_READY = "Deze rapportage is nog niet klaar."

# --- indicator hit rates (issue 15 item 3) ---
# An indicator whose hit rate (share of visited addresses where it fired that had a confirmed
# finding) is under HIT_RATE_MIN after at least HIT_RATE_MIN_VISITS such addresses is flagged to
# the projectleider: the LAA's aim, so that residents are not visited needlessly. "Confirmed"
# means: at least one finding was recorded at a visit of the address (the finding model has no
# separate confirmation; an inspector records a finding only for what was found).
HIT_RATE_MIN = 0.5
HIT_RATE_MIN_VISITS = 20


class IndicatorDecisionKind(models.TextChoices):
    KEEP = "behouden", "Behouden"
    DROP = "laten_vallen", "Laten vallen"


DECISION_NOT_FLAGGED = (
    "Deze indicator is niet gemarkeerd: een besluit is alleen nodig bij een trefkans onder "
    "50 % na minstens 20 bezochte adressen."
)
DECISION_KEEP_NEEDS_REASON = "Geef een reden om de indicator te behouden."
DECISION_ALREADY_DROPPED = "Deze indicator is al niet meer in gebruik."
DECISION_NOT_ALLOWED = "Alleen de projectleider legt een besluit over een indicator vast."
DECISION_UNKNOWN_INDICATOR = "Deze indicator bestaat niet."
