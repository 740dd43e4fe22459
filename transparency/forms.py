"""Forms of transparency: shape only (style rule 5)."""

from __future__ import annotations

from django import forms

from .constants import INTRO_MAX_LENGTH


class PublishForm(forms.Form):
    intro = forms.CharField(
        label="Inleiding (optioneel)",
        required=False,
        max_length=INTRO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "Een paar zinnen in gewone taal voor de bewoners: wat het project wil bereiken en "
            "wat zij ervan merken. Noem geen personen of adressen."
        ),
    )
