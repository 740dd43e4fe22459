"""Every write of reports (style rule 4): KPI targets, report versions, export records."""

from .exports import export_document
from .indicators import indicator_decision_record
from .kpis import kpi_targets_save
from .reports import (
    report_context,
    report_download_record,
    report_generate,
    report_request,
)

__all__ = [
    "export_document",
    "indicator_decision_record",
    "kpi_targets_save",
    "report_context",
    "report_download_record",
    "report_generate",
    "report_request",
]
