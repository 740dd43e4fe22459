"""Forms of the privacy officer's pages: shape only (style rule 5); the services check again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from datasharing.constants import ObjectionKind

from .constants import InzageSubject

TEXTBOX = {"class": "utrecht-textbox utrecht-textbox--html-input"}
BSN_REQUIRED = "Vul het BSN in."
ADDRESS_REQUIRED = "Vul postcode en huisnummer in."


class ValueFreeTextInput(forms.TextInput):
    """A text box that never writes its value back into the page: the BSN entered is not
    shown again after the POST (the form is re-rendered only with its errors)."""

    def format_value(self, value: Any) -> str | None:
        return None


class InzageForm(forms.Form):
    subject = forms.ChoiceField(
        label="Het verzoek betreft",
        choices=InzageSubject.choices,
        initial=InzageSubject.BSN,
        widget=forms.RadioSelect,
    )
    bsn = forms.CharField(
        label="BSN",
        required=False,
        max_length=20,
        help_text="9 cijfers. Het BSN wordt niet opgeslagen: alleen het pseudoniem ervan.",
        widget=ValueFreeTextInput(
            attrs={**TEXTBOX, "autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    postcode = forms.CharField(
        label="Postcode", required=False, max_length=10, widget=forms.TextInput(attrs=TEXTBOX)
    )
    huisnummer = forms.CharField(
        label="Huisnummer", required=False, max_length=10, widget=forms.TextInput(attrs=TEXTBOX)
    )
    huisletter = forms.CharField(
        label="Huisletter", required=False, max_length=2, widget=forms.TextInput(attrs=TEXTBOX)
    )
    toevoeging = forms.CharField(
        label="Toevoeging", required=False, max_length=6, widget=forms.TextInput(attrs=TEXTBOX)
    )
    received_on = forms.DateField(
        label="Verzoek ontvangen op",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={**TEXTBOX, "type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("subject") == InzageSubject.BSN and not cleaned.get("bsn"):
            self.add_error("bsn", BSN_REQUIRED)
        if cleaned.get("subject") == InzageSubject.ADDRESS and not (
            cleaned.get("postcode") and cleaned.get("huisnummer")
        ):
            self.add_error("postcode", ADDRESS_REQUIRED)
        return cleaned


class ObjectionForm(forms.Form):
    kind = forms.ChoiceField(label="Soort", choices=ObjectionKind.choices, widget=forms.RadioSelect)
    subject_key = forms.ChoiceField(label="Betreft")
    description = forms.CharField(
        label="Omschrijving",
        max_length=2000,
        help_text="Wat de bewoner aanvoert, of wat er gecorrigeerd is en door wie.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "utrecht-textarea"}),
    )
    received_on = forms.DateField(
        label="Ontvangen of vastgesteld op",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={**TEXTBOX, "type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = subjects
        if len(subjects) == 1:
            field.initial = subjects[0][0]


class ObjectionResolveForm(forms.Form):
    outcome = forms.CharField(
        label="Uitkomst",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "utrecht-textarea"}),
    )
