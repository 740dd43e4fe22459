"""Forms for partners, convenants and project roles: shape only (style rule 5)."""

from django import forms

from projects.forms import DateInput, PdfField, UtrechtFormMixin

from .constants import ConvenantKind, Role


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.organisation})"


class PartnerAddForm(UtrechtFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisatie", queryset=None, empty_label="Kies een organisatie"
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class PartnerRemoveForm(UtrechtFormMixin, forms.Form):
    reason = forms.CharField(label="Reden", max_length=500, required=False)


class ConvenantForm(UtrechtFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisatie", queryset=None, empty_label="Kies een partner"
    )
    kind = forms.ChoiceField(
        label="Soort convenant",
        choices=ConvenantKind.choices,
        help_text=(
            "Een aanvullend convenant (bijvoorbeeld van een woningcorporatie) "
            "geldt alleen voor dit project."
        ),
    )
    reference = forms.CharField(label="Kenmerk", max_length=100)
    valid_from = forms.DateField(label="Geldig vanaf", widget=DateInput())
    valid_until = forms.DateField(label="Geldig tot en met", required=False, widget=DateInput())
    document = PdfField(label="Ondertekend convenant (pdf)")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class RoleGrantForm(UtrechtFormMixin, forms.Form):
    person = PersonChoiceField(label="Persoon", queryset=None, empty_label="Kies een persoon")
    role = forms.ChoiceField(label="Rol", choices=Role.choices)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class RoleEndForm(UtrechtFormMixin, forms.Form):
    reason = forms.CharField(label="Reden", max_length=500, required=False)
