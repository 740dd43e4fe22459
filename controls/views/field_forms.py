"""The tablet's two forms (shape only, style rule 5): a visit's result and a finding.

The templates write the forms' HTML out (templates/controls/tablet/_result_form.html and
_finding_form.html, from `result_values` / `finding_values` and `form_errors`): a route page
has 60 of them, and Django's widget templates would cost most of the page's time.

The same fields go to the HTML endpoints (a plain POST without JavaScript) and, as JSON, to the
sync endpoints (controls/api/sync.py). A form sent twice (a double tap, a retried POST) is
stored once (R28): its client UUID is derived from the one random key of the page that drew it
(`page_key`, the same in every form, so that 60 forms do not carry 60 random values over slow
3G) and the form's kind and visit; a form page after a refused POST carries its own `client_id`
instead. The outbox sends its own UUID as Idempotency-Key.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from ..constants import VisitResult
from ..models import FindingCategory

RESIDENTS_MAX = 99
KEY_MISSING = "Dit formulier is niet compleet: open de route opnieuw en probeer het nog eens."


def form_client_id(*, page_key: uuid.UUID, which: str, visit_pk: int) -> uuid.UUID:
    """The client UUID of one form of a page: the same for the same page, kind and visit."""
    return uuid.uuid5(page_key, f"{which}:{visit_pk}")


class KeyedForm(forms.Form):
    """A tablet form's idempotency key: its own `client_id`, or derived from `page_key`."""

    which = ""
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    page_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, visit_pk: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visit_pk = visit_pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("client_id") is None:
            page_key = cleaned.get("page_key")
            if page_key is None:
                raise forms.ValidationError(KEY_MISSING)
            cleaned["client_id"] = form_client_id(
                page_key=page_key, which=self.which, visit_pk=self.visit_pk
            )
        return cleaned


class VisitResultForm(KeyedForm):
    which = "result"
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


class FindingForm(KeyedForm):
    which = "finding"
    category = forms.ChoiceField(label="Categorie")
    description = forms.CharField(
        label="Omschrijving", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, categories: list[FindingCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Kies een categorie")] + [
            (category.code, category.label) for category in categories
        ]


def result_values(visit: Any, *, page_key: uuid.UUID) -> dict[str, Any]:
    """What a visit's result form on a route page shows: the stored result, its version, the
    page's key."""
    return {
        "result": visit.result,
        "residents_found": visit.residents_found,
        "notes": visit.notes,
        "version": visit.version,
        "page_key": page_key,
    }


def finding_values(*, page_key: uuid.UUID) -> dict[str, Any]:
    """What a new finding's form on a route page shows: nothing yet, the page's key."""
    return {"category": "", "description": "", "page_key": page_key}


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A bound form's messages per field, and those about no field under "non_field"
    (template variables may not start with an underscore)."""
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    errors["non_field"] = errors.pop(NON_FIELD_ERRORS, [])
    return errors
