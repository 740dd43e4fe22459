"""The tablet's two forms (shape only, style rule 5): a visit's result and a finding.

The templates write the forms' HTML out (templates/controls/tablet/_result_form.html and
_finding_form.html, from `result_values` / `finding_values` and `form_errors`): a route page
has 60 of them, and Django's widget templates would cost most of the page's time.

The same fields go to the HTML endpoints (a plain POST without JavaScript) and, as JSON, to the
sync endpoints (controls/api/sync.py). Each form carries a client UUID generated when the page
is drawn, so that a form sent twice (a double tap, a retried POST) is stored once (R28); the
outbox sends its own UUID as Idempotency-Key instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from ..constants import VisitResult
from ..models import FindingCategory

RESIDENTS_MAX = 99


class VisitResultForm(forms.Form):
    result = forms.ChoiceField(
        label="Resultaat", choices=VisitResult.choices, widget=forms.RadioSelect
    )
    residents_found = forms.IntegerField(
        label="Aantal aangetroffen bewoners",
        min_value=0,
        max_value=RESIDENTS_MAX,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(
        label="Aantekening",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class FindingForm(forms.Form):
    category = forms.ChoiceField(label="Categorie")
    description = forms.CharField(
        label="Omschrijving", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: list[FindingCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Kies een categorie")] + [
            (category.code, category.label) for category in categories
        ]


def result_values(visit: Any) -> dict[str, Any]:
    """What a visit's result form shows: the stored result, its version, a new client UUID."""
    return {
        "result": visit.result,
        "residents_found": visit.residents_found,
        "notes": visit.notes,
        "version": visit.version,
        "client_id": uuid.uuid4(),
    }


def finding_values() -> dict[str, Any]:
    """What a new finding's form shows: nothing yet, a new client UUID."""
    return {"category": "", "description": "", "client_id": uuid.uuid4()}


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A bound form's messages per field, and those about no field under "non_field"
    (template variables may not start with an underscore)."""
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    errors["non_field"] = errors.pop(NON_FIELD_ERRORS, [])
    return errors
