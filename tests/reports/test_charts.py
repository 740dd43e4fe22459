"""reports.charts beyond what the dashboard tests draw (tests/reports/test_views.py)."""


def test_the_same_figures_are_drawn_once_per_process():
    """A chart is a pure function of its figures: a dashboard drawn again with the same figures
    reuses the SVG; other figures draw anew (reports.charts.CHARTS_KEPT)."""
    from reports import charts

    charts._bar_chart.cache_clear()
    first = charts.bar_chart(["Voorgedragen", "Bezocht"], [12, 7])
    again = charts.bar_chart(["Voorgedragen", "Bezocht"], [12, 7])
    other = charts.bar_chart(["Voorgedragen", "Bezocht"], [12, 8])
    assert first is again and first != other
    info = charts._bar_chart.cache_info()
    assert (info.hits, info.misses) == (1, 2)
