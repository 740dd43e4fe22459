"""Forms of data sharing: shape only (style rule 5); the services hold the rules."""

from typing import cast

from django import forms

from partners.models import Organisation

from .constants import Source


class DataRequestForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Leverende partner",
        queryset=Organisation.objects.none(),
        empty_label="Kies een partner",
    )
    source = forms.ChoiceField(label="Bron", choices=[("", "Kies een bron"), *Source.choices])
    legal_ground = forms.CharField(
        label="Grondslag",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Bijvoorbeeld: art. 64 Wet SUWI en het LSI-convenant.",
    )
    requested_columns = forms.CharField(
        label="Gevraagde kolommen",
        required=False,
        help_text="Optioneel, gescheiden door komma's. Leeg: alle kolommen van de bron. "
        "Verplichte kolommen worden altijd gevraagd.",
    )
    deadline = forms.DateField(
        label="Uiterste leverdatum", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations

    def clean_requested_columns(self) -> list[str]:
        raw = self.cleaned_data.get("requested_columns") or ""
        return [part.strip().lower() for part in raw.split(",") if part.strip()]


class DeliveryUploadForm(forms.Form):
    file = forms.FileField(
        label="Bestand",
        help_text="CSV (UTF-8, ';' of ',') of Excel (.xlsx, eerste werkblad), met één kopregel.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class DataRequestWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reden van intrekken",
        widget=forms.Textarea(attrs={"rows": 2, "class": "utrecht-textarea"}),
        required=False,
        help_text="De reden komt in de geschiedenis van het project.",
    )
    # Set by the confirmation page's form (a hidden field); without it nothing is withdrawn.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
