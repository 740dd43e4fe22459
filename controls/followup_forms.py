"""Forms of the follow-up pages (referrals, outcomes, the owner view). Shape only: the
services hold the rules (style rule 5) and their errors land beside these fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from partners.models import Organisation

from .constants import BrpCorrection, OutcomeKind, ReferralKind

TEXTAREA = {"rows": 3, "class": "utrecht-textarea"}
SELECT = {"class": "utrecht-select"}
TEXTBOX = {"class": "utrecht-textbox utrecht-textbox--html-input"}


class ReferralCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Doorverwijzen naar",
        queryset=Organisation.objects.none(),
        empty_label="Kies een partner",
        widget=forms.Select(attrs=SELECT),
        help_text="Alleen partners die deelnemen aan het project en een geldig convenant hebben.",
    )
    kind = forms.ChoiceField(
        label="Soort doorverwijzing",
        choices=ReferralKind.choices,
        widget=forms.Select(attrs=SELECT),
    )
    unit = forms.CharField(
        label="Afdeling", max_length=200, required=False, widget=forms.TextInput(attrs=TEXTBOX)
    )
    note = forms.CharField(
        label="Toelichting voor de partner", required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args: Any, targets: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organisation"])
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in targets]).order_by(
            "name"
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Reden van terugleggen",
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Bijvoorbeeld: hoort niet bij onze organisatie, of te weinig gegevens.",
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Uitkomst",
        choices=[("", "Kies de uitkomst"), *OutcomeKind.choices],
        widget=forms.Select(attrs=SELECT),
    )
    amount = forms.CharField(
        label="Bedrag in euro's",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**TEXTBOX, "inputmode": "decimal"}),
        help_text="Verplicht bij een terugvordering of boete, bijvoorbeeld 1250,00.",
    )
    brp_correction = forms.ChoiceField(
        label="BRP-correctie",
        required=False,
        choices=[("", "Geen (alleen bij een BRP-correctie)"), *BrpCorrection.choices],
        widget=forms.Select(attrs=SELECT),
        help_text="Verplicht bij een BRP-correctie.",
    )
    reason = forms.CharField(
        label="Toelichting of reden",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Verplicht bij niet-ontvankelijk.",
    )


class RevealRequestForm(forms.Form):
    reason = forms.CharField(
        label="Waarom moet de eigenaar worden herleid?",
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class RevealDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Goedkeuren"), ("reject", "Afwijzen")])
    decision_reason = forms.CharField(
        label="Reden van uw besluit", widget=forms.Textarea(attrs=TEXTAREA)
    )


class RiecSignalForm(forms.Form):
    note = forms.CharField(
        label="Toelichting voor het RIEC", required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
