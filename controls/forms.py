"""Forms of the planner's pages: shape only (style rule 5); the services hold the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from partners.models import User

from .constants import EveningStatus, ReferralKind


class EveningForm(forms.Form):
    name = forms.CharField(
        label="Naam",
        max_length=200,
        required=False,
        help_text="Optioneel, bijvoorbeeld ‘Avond 1 Oude Westen’.",
    )
    starts_at = forms.DateTimeField(
        label="Datum en begintijd",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
    )
    ends_at = forms.DateTimeField(
        label="Eindtijd",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
    )
    meeting_point = forms.CharField(
        label="Verzamelpunt",
        max_length=300,
        help_text="Waar de teams beginnen en eindigen, bijvoorbeeld het adres van het buurthuis.",
    )
    meeting_x = forms.IntegerField(
        label="Verzamelpunt x (RD, meters)",
        required=False,
        help_text="Leeg: het midden van de goedgekeurde adressen.",
    )
    meeting_y = forms.IntegerField(label="Verzamelpunt y (RD, meters)", required=False)
    briefing = forms.CharField(
        label="Briefing",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Wat de teams vooraf moeten weten: aandachtspunten, veiligheid, afspraken.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TransitionForm(forms.Form):
    target = forms.ChoiceField(choices=EveningStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reden", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TeamForm(forms.Form):
    name = forms.CharField(label="Naam van het team", max_length=100)


class TeamMemberForm(forms.Form):
    ACTIONS = (("add", "Toevoegen"), ("lead", "Teamleider maken"), ("remove", "Uit het team"))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput, initial="add")
    person = forms.ModelChoiceField(
        label="Inspecteur", queryset=User.objects.none(), empty_label="Kies een inspecteur"
    )
    is_lead = forms.BooleanField(label="Teamleider", required=False)

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            cast(forms.ModelChoiceField, self.fields["person"]).queryset = people


class AssignForm(forms.Form):
    proposals = forms.TypedMultipleChoiceField(
        label="Goedgekeurde adressen", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    team = forms.TypedChoiceField(
        label="Team", coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, proposals: Any = (), teams: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposals"].choices = [  # type: ignore[attr-defined]
            (p.pk, f"{p.pseudonym} ({p.buurtcode or 'buurt onbekend'})") for p in proposals
        ]
        self.fields["team"].choices = [  # type: ignore[attr-defined]
            ("", "Nog geen team: verdeel met ‘Routes plannen’"),
            *((t.pk, t.name) for t in teams),
        ]


class VisitMoveForm(forms.Form):
    ACTIONS = (
        ("move", "Verplaatsen"),
        ("up", "Eerder"),
        ("down", "Later"),
        ("remove", "Van de avond af"),
    )

    action = forms.ChoiceField(choices=ACTIONS)
    team = forms.TypedChoiceField(
        label="Naar team", coerce=int, required=False, empty_value=None, choices=()
    )
    position = forms.IntegerField(label="Op plaats", min_value=1, required=False)

    def __init__(self, *args: Any, teams: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]  # type: ignore[attr-defined]


class CategoryForm(forms.Form):
    label = forms.CharField(label="Naam", max_length=200)
    referral_kind = forms.ChoiceField(
        label="Gebruikelijke doorverwijzing",
        choices=[("", "Kies een soort doorverwijzing"), *ReferralKind.choices],
    )
    target_unit = forms.CharField(label="Afdeling", max_length=200, required=False)
    description = forms.CharField(
        label="Toelichting", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CategoryToggleForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=(("1", "in gebruik"), ("0", "niet in gebruik")),
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
