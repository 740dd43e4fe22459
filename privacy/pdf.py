"""The answer of an inzageverzoek as a Dutch PDF letter, by WeasyPrint from a Django template
(as reports.pdf makes the reports). Nothing is fetched at run time: a URL fetcher that refuses
every URL makes sure of it; the fonts are the machine's."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the inzage letter fetches nothing at run time: {url}")


def letter_html(context: dict[str, Any]) -> str:
    return render_to_string("privacy/pdf/letter.html", context)


def letter_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=letter_html(context), url_fetcher=_no_fetch).write_pdf()
    return pdf
