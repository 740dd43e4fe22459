"""Charts drawn on the server as SVG by pygal (issue 13 item 1): inline, no script, printable.

pygal writes a `<script>` (its tooltip config) and a `<style>` into every SVG. Neither may
reach a page: the CSP allows no inline script or style (security R16), and a chart must not
need script. So each chart is rendered, then its script, style, tooltip layer and comments are
removed, and it gets its look from one stylesheet: `chart_css()`, pygal's own CSS for the
house style scoped to `.wk-chart`, stored as static/css/charts.css (a test keeps the two
equal) and embedded as is in the PDFs. The SVG is decorative for assistive technology
(aria-hidden): every chart stands beside a table with its figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils.formats import date_format
from django.utils.safestring import mark_safe

import pygal
from pygal.style import Style

if TYPE_CHECKING:
    from .selectors import ProjectFigures

# NL Design System-like colours with a contrast of at least 3:1 against white (graphics).
COLOURS = ("#01689b", "#b35a00", "#39870c", "#a90061", "#42145f", "#275937", "#5a5a5a", "#8a5300")
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1a1a1a",
    foreground_strong="#000000",
    foreground_subtle="#4d4d4d",
    colors=COLOURS,
    font_family=FONT,
    title_font_size=16,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=13,
    opacity="1",
    opacity_hover="1",
    transition="0s",
)
BASE = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "width": 640,
    "height": 320,
    "margin": 12,
    "print_values": True,
    "truncate_label": 40,
    "truncate_legend": 40,
    "tooltip_fancy_mode": False,
}
_CHART_ID = re.compile(r'id="(chart-[0-9a-f-]+)"')
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_STYLE = re.compile(r"<style\b.*?</style>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TOOLTIP = re.compile(r'<g [^>]*class="tooltip">.*?</g>', re.S)


def _clean(svg: str, *, keep_style: bool = False) -> str:
    """The SVG without script, style, comments and tooltip; decorative for screen readers.

    `keep_style`: for the PDFs, which WeasyPrint draws from the SVG's own `<style>` (a document
    stylesheet does not reach inline SVG there); no CSP applies to a PDF."""
    svg = _SCRIPT.sub("", svg)
    if not keep_style:
        svg = _STYLE.sub("", svg)
    svg = _COMMENT.sub("", svg)
    svg = _TOOLTIP.sub("", svg)
    svg = _CHART_ID.sub("", svg, count=1).replace("<title>Pygal</title>", "")
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    if "<script" in svg or " style=" in svg or ("<style" in svg and not keep_style):
        raise ValueError("chart SVG still carries script or style")
    return svg


def _render(chart: Any, for_pdf: bool = False) -> str:
    # pygal builds the SVG with ElementTree, which escapes every label and value (user data such
    # as a category's name); _clean removed script and style and checked it. Safe to inline.
    svg = _clean(chart.render(is_unicode=True), keep_style=for_pdf)
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


def _number(value: Decimal | int | float) -> float:
    return float(value)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Decimal | int],
    *,
    title: str = "",
    for_pdf: bool = False,
) -> str:
    """A horizontal bar per label (the funnel, findings per category)."""
    return _bar_chart(tuple(labels), tuple(values), title, for_pdf)


# A chart is a pure function of its figures and pygal is most of a dashboard's time: the same
# figures are drawn once per process (each request still reads the figures themselves).
CHARTS_KEPT = 256


@lru_cache(maxsize=CHARTS_KEPT)
def _bar_chart(
    labels: tuple[str, ...], values: tuple[Decimal | int, ...], title: str, for_pdf: bool
) -> str:
    chart = pygal.HorizontalBar(
        **{**BASE, "height": max(160, 44 * len(labels) + 60)},
        show_legend=False,
        title=title or None,
    )
    chart.x_labels = list(labels)
    chart.add("Aantal", [_number(v) for v in values])
    return _render(chart, for_pdf)


def stacked_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str = "",
    for_pdf: bool = False,
) -> str:
    """Stacked horizontal bars: one bar per label, one colour per series (referrals per
    partner and state)."""
    frozen = tuple((name, tuple(values)) for name, values in series)
    return _stacked_chart(tuple(labels), frozen, title, for_pdf)


@lru_cache(maxsize=CHARTS_KEPT)
def _stacked_chart(
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[int, ...]], ...],
    title: str,
    for_pdf: bool,
) -> str:
    chart = pygal.HorizontalStackedBar(
        **{**BASE, "height": max(200, 44 * len(labels) + 120)},
        title=title or None,
        legend_at_bottom=True,
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return _render(chart, for_pdf)


def course_chart(
    points: Sequence[tuple[date, Decimal]],
    *,
    target: Decimal,
    title: str = "",
    for_pdf: bool = False,
) -> str:
    """A KPI's cumulative result per evening date, with its target as a second line."""
    return _course_chart(tuple(points), target, title, for_pdf)


@lru_cache(maxsize=CHARTS_KEPT)
def _course_chart(
    points: tuple[tuple[date, Decimal], ...], target: Decimal, title: str, for_pdf: bool
) -> str:
    chart = pygal.Line(**BASE, title=title or None, legend_at_bottom=True, x_label_rotation=0)
    chart.x_labels = [date_format(day) for day, _value in points]
    chart.add("Resultaat (opgeteld)", [_number(value) for _day, value in points])
    chart.add("Doel", [_number(target)] * len(points))
    return _render(chart, for_pdf)


def chart_css() -> str:
    """pygal's stylesheet for STYLE, scoped to `.wk-chart` (static/css/charts.css)."""
    chart = pygal.Bar(**BASE)
    for index, _colour in enumerate(COLOURS):
        chart.add(f"s{index}", [1])
    svg = chart.render(is_unicode=True)
    chart_id = _CHART_ID.search(svg)
    style = _STYLE.search(svg)
    if chart_id is None or style is None:
        raise ValueError("pygal wrote no style")
    css = re.sub(r"^<style[^>]*>|</style>$", "", style.group(0))
    css = css.replace(f"#{chart_id.group(1)}", ".wk-chart").replace("&gt;", ">")
    return "/* Generated by reports.charts.chart_css() from pygal; do not edit. */\n" + css + "\n"


def figure_context(figures: ProjectFigures, *, for_pdf: bool = False) -> dict[str, Any]:
    """The charts of a project's figures with what their tables need (dashboard and PDFs)."""
    funnel = figures.funnel()
    per_partner = figures.referrals_per_partner
    statuses = sorted({s for p in per_partner for s in p.by_status})
    categories = figures.findings_per_category
    return {
        "figures": figures,
        "funnel": funnel,
        "funnel_chart": bar_chart(
            [label for _k, label, _v in funnel], [v for *_x, v in funnel], for_pdf=for_pdf
        ),
        "findings_chart": (
            bar_chart(
                [label for label, _n in categories],
                [n for _label, n in categories],
                for_pdf=for_pdf,
            )
            if categories
            else ""
        ),
        "referral_statuses": statuses,
        "referral_rows": [
            {
                "organisation": p.organisation,
                "counts": [p.by_status.get(s, 0) for s in statuses],
                "total": p.total,
            }
            for p in per_partner
        ],
        "referrals_chart": (
            stacked_chart(
                [p.organisation for p in per_partner],
                [(s, [p.by_status.get(s, 0) for p in per_partner]) for s in statuses],
                for_pdf=for_pdf,
            )
            if per_partner
            else ""
        ),
        "outcomes": sorted(figures.outcomes_per_kind.items()),
        "amounts": figures.amounts_per_kind,
    }
