"""The tablet's two forms (shape only, style rule 5): a visit's result and a finding.

The same fields go to the HTML endpoints (a plain POST without JavaScript) and, as JSON, to the
sync endpoints (controls/api/sync.py). Each form carries a client UUID generated when the page
is drawn, so that a form sent twice (a double tap, a retried POST) is stored once (R28); the
outbox sends its own UUID as Idempotency-Key instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

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


def visit_forms(
    visit: Any, categories: list[FindingCategory], *, data: Any = None, which: str = ""
) -> tuple[VisitResultForm, FindingForm]:
    """The two forms of one visit with ids unique on the route page (`v<pk>-…`) and fresh
    client UUIDs; `data` binds the one named by `which` ("result" or "finding")."""
    auto_id = f"v{visit.pk}-%s"
    result_initial = {
        "result": visit.result or None,
        "residents_found": visit.residents_found,
        "notes": visit.notes,
        "version": visit.version,
        "client_id": uuid.uuid4(),
    }
    result = VisitResultForm(
        data if which == "result" else None, auto_id=auto_id, initial=result_initial
    )
    finding = FindingForm(
        data if which == "finding" else None,
        auto_id=auto_id,
        initial={"client_id": uuid.uuid4()},
        categories=categories,
    )
    return result, finding
