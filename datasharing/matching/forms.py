"""Forms validate shape only; the services hold the rules (style rule 5)."""

from typing import cast

from django import forms

from .indicators.registry import ALL_CODES, INDICATORS
from .selectors import RISK_ORDERINGS

REASON_WIDGET = forms.Textarea(attrs={"rows": 3, "class": "utrecht-textarea"})


class RiskFilterForm(forms.Form):
    indicator = forms.ChoiceField(
        label="Indicator",
        required=False,
        choices=[("", "Alle indicatoren")] + [(c.value, INDICATORS[c].name) for c in ALL_CODES],
        widget=forms.Select(attrs={"class": "utrecht-select"}),
    )
    buurt = forms.ChoiceField(
        label="Buurt", required=False, widget=forms.Select(attrs={"class": "utrecht-select"})
    )
    min_score = forms.IntegerField(
        label="Minimale score",
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input"}),
    )
    order = forms.ChoiceField(
        label="Sorteren op",
        required=False,
        choices=[
            ("score", "Score (hoog naar laag)"),
            ("-score", "Score (laag naar hoog)"),
            ("buurt", "Buurt (A–Z)"),
            ("-buurt", "Buurt (Z–A)"),
        ],
        widget=forms.Select(attrs={"class": "utrecht-select"}),
    )

    def __init__(self, *args, buurten: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Alle buurten")] + [(b, b) for b in buurten]
        cast(forms.ChoiceField, self.fields["buurt"]).choices = choices

    def filters(self) -> dict:
        if not self.is_valid():
            return {"order": "score"}
        data = self.cleaned_data
        order = data.get("order") or "score"
        return {
            "indicator": data.get("indicator") or "",
            "buurt": data.get("buurt") or "",
            "min_score": data.get("min_score"),
            "order": order if order in RISK_ORDERINGS else "score",
        }


class ProposeForm(forms.Form):
    """The reason; for an address rejected before also what changed since (then required)."""

    reason = forms.CharField(label="Reden van voordracht", max_length=2000, widget=REASON_WIDGET)
    what_changed = forms.CharField(
        label="Wat is er veranderd sinds de afwijzing?",
        max_length=2000,
        widget=REASON_WIDGET,
        help_text=(
            "Bijvoorbeeld: een nieuwe levering, een nieuw signaal van een partner. "
            "Uw antwoord komt bij de reden van de voordracht."
        ),
    )

    def __init__(self, *args, rejected_before: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not rejected_before:
            del self.fields["what_changed"]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Goedkeuren"), ("reject", "Afwijzen")])
    decision_reason = forms.CharField(
        label="Reden van uw besluit", max_length=2000, widget=REASON_WIDGET
    )


class ConfirmForm(forms.Form):
    """The confirmation step of an action with consequences: its form posts `confirm`."""

    confirm = forms.BooleanField(required=True, widget=forms.HiddenInput)


class ReidentifyForm(forms.Form):
    reason = forms.CharField(
        label="Waarom wilt u het adres zien?",
        max_length=2000,
        widget=REASON_WIDGET,
        help_text=(
            "Bijvoorbeeld: planning controleavond 12 maart. "
            "De reden komt in het verwerkingenlogboek."
        ),
    )


class IndicatorSettingsForm(forms.Form):
    """The engine's thresholds only, plus a weight and an on/off per indicator."""

    overbewoning_m2_per_person = forms.IntegerField(
        label="Overbewoning: minder dan … m² per persoon", min_value=1
    )
    leeg_min_kwh = forms.IntegerField(
        label="Onbewoond met verbruik: minstens … kWh per jaar", min_value=1
    )
    alleenstaand_min_other_adults = forms.IntegerField(
        label="Alleenstaand met medebewoner: minstens … andere volwassenen", min_value=1
    )
    bedrijven_min_kvk = forms.IntegerField(
        label="Bedrijven op woonadres: minstens … KvK-nummers", min_value=1
    )
    verhuis_min_inschrijvingen = forms.IntegerField(
        label="Verhuisdynamiek: minstens … inschrijvingen", min_value=1
    )
    verhuis_window_days = forms.IntegerField(
        label="Verhuisdynamiek: in de laatste … dagen", min_value=0, max_value=3650
    )
    samenloop_min_partners = forms.IntegerField(
        label="Samenloop: signalen van minstens … partners", min_value=1
    )
    risk_threshold = forms.IntegerField(label="Risicoadres vanaf score", min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in ALL_CODES:
            self.fields[f"weight_{code.value}"] = forms.IntegerField(
                label=f"Gewicht: {INDICATORS[code].name}", min_value=0, max_value=10
            )
            self.fields[f"enabled_{code.value}"] = forms.BooleanField(
                label=f"{INDICATORS[code].name} gebruiken", required=False
            )
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs["class"] = "utrecht-textbox utrecht-textbox--html-input"
