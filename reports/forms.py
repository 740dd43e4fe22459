"""Forms of reports: shape only (style rule 5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from .constants import AMOUNT_MEASURES, IndicatorDecisionKind, KpiMeasure, ReportKind


class KpiTargetsForm(forms.Form):
    """One optional target per measure of the fixed list; empty removes the target."""

    def __init__(
        self, *args: Any, initial_targets: dict[str, Decimal] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        for measure in KpiMeasure:
            amount = measure in AMOUNT_MEASURES
            self.fields[f"target_{measure.value}"] = forms.DecimalField(
                label=measure.label,
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2 if amount else 0,
                initial=(initial_targets or {}).get(measure.value),
                help_text="Bedrag in euro's." if amount else "Aantal.",
                widget=forms.NumberInput(attrs={"step": "0.01" if amount else "1", "min": "0"}),
            )

    def targets(self) -> dict[str, Decimal | None]:
        return {m.value: self.cleaned_data.get(f"target_{m.value}") for m in KpiMeasure}


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Soort rapportage", choices=ReportKind.choices)


class IndicatorDecisionForm(forms.Form):
    """Keep (with a reason: the service checks it) or drop a flagged indicator."""

    decision = forms.ChoiceField(
        label="Besluit", choices=IndicatorDecisionKind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reden",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Verplicht als u de indicator behoudt: waarom is hij toch nodig?",
    )
