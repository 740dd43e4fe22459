"""The processing log's filters (django-filter): shape only; the rows come from the selector."""

from __future__ import annotations

from django import forms

import django_filters

from wijkaanpak.core.models import ProcessingLogEntry
from wijkaanpak.core.processing_log import PROCESSING_ACTIVITIES

TEXTBOX = {"class": "utrecht-textbox utrecht-textbox--html-input"}
DATE = forms.DateInput(attrs={**TEXTBOX, "type": "date"}, format="%Y-%m-%d")
ACTIONS = [
    ("view", "Inzien"),
    ("read", "Lezen"),
    ("create", "Aanmaken"),
    ("update", "Wijzigen"),
    ("delete", "Verwijderen"),
    ("export", "Exporteren"),
    ("reidentify", "Herleiden"),
    ("matching", "Matching"),
    ("api_read", "Ophalen via de API"),
]


class ProcessingLogFilter(django_filters.FilterSet):
    van = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label="Vanaf", widget=DATE
    )
    tot = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", label="Tot en met", widget=DATE
    )
    wie = django_filters.CharFilter(
        field_name="actor_label",
        lookup_expr="icontains",
        label="Wie (gebruikersnaam)",
        widget=forms.TextInput(attrs=TEXTBOX),
    )
    organisatie = django_filters.CharFilter(
        field_name="organisation_label",
        lookup_expr="icontains",
        label="Organisatie",
        widget=forms.TextInput(attrs=TEXTBOX),
    )
    actie = django_filters.ChoiceFilter(
        field_name="action", choices=ACTIONS, label="Actie", empty_label="Alle acties"
    )
    grondslag = django_filters.ChoiceFilter(
        field_name="ground",
        choices=[(key, f"{key}: {label}") for key, label in PROCESSING_ACTIVITIES.items()],
        label="Verwerkingsactiviteit en grondslag",
        empty_label="Alle verwerkingen",
    )

    class Meta:
        model = ProcessingLogEntry
        fields: list[str] = []
