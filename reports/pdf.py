"""The tussen- and eindrapportage as PDF, by WeasyPrint from a Django template (issue 13.5).

The HTML is made from aggregates only (reports.selectors); charts are the same SVGs as on the
dashboard, inline, each with pygal's own `<style>` (WeasyPrint styles an inline SVG from it).
Fonts are the machine's (DejaVu, Liberation through fontconfig): nothing is fetched at run
time, and a URL fetcher that refuses every URL makes sure of it.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"reports fetch nothing at run time: {url}")


def report_html(context: dict[str, Any]) -> str:
    return render_to_string("reports/pdf/report.html", context)


def report_pdf(context: dict[str, Any]) -> bytes:
    """The PDF of a report's `context` (see services.reports.report_context)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=report_html(context), url_fetcher=_no_fetch).write_pdf()
    return pdf
