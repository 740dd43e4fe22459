"""Template filters of the privacy pages and letter."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def iso_date(value: object) -> str:
    """An ISO date of a stored answer ('2026-12-02') in the house's date format
    ('2 december 2026'); anything else as it is."""
    try:
        return formats.date_format(date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value or "")
