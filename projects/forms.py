"""Browser forms for projects. They validate *shape* only (style rule 5); the rules live in
projects.services, whose ApplicationErrors are put beside the field by the view mixin."""

from __future__ import annotations

import io
import re
from typing import cast

from django import forms
from django.conf import settings
from django.core import validators as forms_validators

from partners.constants import ConvenantKind
from partners.models import Organisation

from .constants import (
    RETENTION_AFTER_CLOSE_TOO_LONG,
    RETENTION_AFTER_CLOSE_WEEKS_MAX,
    RETENTION_SELECTION_MONTHS_MAX,
    RETENTION_SELECTION_TOO_LONG,
    RETENTION_UNSELECTED_TOO_LONG,
    RETENTION_UNSELECTED_WEEKS_MAX,
    Role,
)
from .models import Project

PDF_MAGIC = b"%PDF-"
PDF_MAX_BYTES = getattr(settings, "WIJKAANPAK_PDF_MAX_BYTES", 10 * 1024 * 1024)

PDF_WRONG_EXTENSION = "Alleen pdf-bestanden (.pdf) zijn toegestaan."
PDF_NOT_PDF = "Dit bestand is geen pdf: de inhoud begint niet als een pdf-document."
PDF_TOO_LARGE = "Het bestand is te groot: ten hoogste {mb} MB."
PDF_EMPTY = "Het bestand is leeg."
PDF_UNREADABLE = (
    "Dit bestand is geen geldige pdf: het kan niet als pdf-document met ten minste één pagina "
    "worden gelezen."
)
PDF_ENCRYPTED = "Deze pdf is met een wachtwoord beveiligd. Lever de pdf zonder wachtwoord."
PDF_ACTIVE_CONTENT = (
    "Dit bestand bevat naast de pdf ook HTML of een script en wordt daarom niet geaccepteerd."
)
# Markup that makes a file something a browser could render as a web page (a %PDF + HTML
# polyglot), wherever it sits: in a real PDF text is in (mostly compressed) streams, never tags.
PDF_HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta|link|img|a\s)"
    rb"|javascript\s*:",
    re.IGNORECASE,
)
BUURTCODE_INVALID = "Ongeldige buurtcode '{code}': verwacht BU gevolgd door 8 cijfers."
POSTCODE_INVALID = (
    "Ongeldige postcode '{code}': verwacht 4 cijfers (niet beginnend met 0) en 2 letters."
)

BUURTCODE_RE = re.compile(r"^BU\d{8}$")
POSTCODE_RE = re.compile(r"^[1-9]\d{3}[A-Z]{2}$")


class UtrechtFormMixin(forms.BaseForm):
    """Put the NL Design System (Utrecht) classes and ARIA attributes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = widget.attrs.get("class", "")
            if isinstance(widget, forms.CheckboxInput):
                extra = "utrecht-checkbox utrecht-checkbox--html-input"
            elif isinstance(widget, forms.Select):
                extra = "utrecht-select utrecht-select--html-select"
            elif isinstance(widget, forms.Textarea):
                extra = "utrecht-textarea utrecht-textarea--html-textarea"
                widget.attrs.setdefault("rows", 4)
            elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
                extra = "wk-file"
            else:
                extra = "utrecht-textbox utrecht-textbox--html-input"
            widget.attrs["class"] = f"{css} {extra}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}-hulp"

    def full_clean(self):
        super().full_clean()
        # Errors sit beside their field; screen readers find them through aria-describedby.
        for name in self.errors:  # set by the full_clean above
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                ids = [attrs.get("aria-describedby", ""), f"id_{self.add_prefix(name)}-fout"]
                attrs["aria-describedby"] = " ".join(i for i in ids if i)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def validate_pdf(upload) -> None:
    """Extension, size and magic bytes, then the content (security R14, issue #8 item 7): no
    HTML or script anywhere in the file, and pypdf must read it as a PDF with at least one page
    (an encrypted one only when it opens without a password). The stored name is generated on
    the server. Every PDF upload of the application goes through here (PdfField)."""
    name = (upload.name or "").lower()
    if not name.endswith(".pdf"):
        raise forms.ValidationError(PDF_WRONG_EXTENSION)
    if upload.size == 0:
        raise forms.ValidationError(PDF_EMPTY)
    if upload.size > PDF_MAX_BYTES:
        raise forms.ValidationError(PDF_TOO_LARGE.format(mb=PDF_MAX_BYTES // (1024 * 1024)))
    upload.seek(0)
    content = upload.read(PDF_MAX_BYTES + 1)
    upload.seek(0)
    if not content.startswith(PDF_MAGIC):
        raise forms.ValidationError(PDF_NOT_PDF)
    if PDF_HTML_MARKERS.search(content):
        raise forms.ValidationError(PDF_ACTIVE_CONTENT)
    _parse_pdf(content)


def _parse_pdf(content: bytes) -> None:
    from pypdf import PdfReader  # imported lazily: only PDF uploads need it

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise forms.ValidationError(PDF_ENCRYPTED)
        pages = len(reader.pages)
    except forms.ValidationError:
        raise
    except Exception:  # pypdf raises many types on a malformed file; each means "not a PDF"
        raise forms.ValidationError(PDF_UNREADABLE) from None
    if pages < 1:
        raise forms.ValidationError(PDF_UNREADABLE)


class PdfField(forms.FileField):
    default_help_text = "Alleen pdf, ten hoogste 10 MB."

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", self.default_help_text)
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "read") and upload is not initial:
            validate_pdf(upload)
        return upload


class CodeListField(forms.CharField):
    """A comma/space/newline separated list of codes, normalised and checked against a pattern."""

    def __init__(self, *, pattern: re.Pattern, message: str, normalise=None, **kwargs):
        self.pattern, self.message, self.normalise = pattern, message, normalise
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if self.normalise:
            text = self.normalise(text)
        codes: list[str] = []
        for code in re.split(r"[,;\n]+", text):
            code = code.strip().upper().replace(" ", "")
            if code and code not in codes:
                codes.append(code)
        return codes

    def validate(self, value):
        super().validate(value)
        for code in value:
            if not self.pattern.match(code):
                raise forms.ValidationError(self.message.format(code=code))


class ProjectForm(UtrechtFormMixin, forms.ModelForm):
    buurtcodes = CodeListField(
        label="Buurtcodes",
        pattern=BUURTCODE_RE,
        message=BUURTCODE_INVALID,
        help_text="CBS-buurtcodes, gescheiden door komma's, bijvoorbeeld BU03440101.",
    )
    postcodes = CodeListField(
        label="Postcodes",
        pattern=POSTCODE_RE,
        message=POSTCODE_INVALID,
        help_text="Postcodes in het gebied, gescheiden door komma's, bijvoorbeeld 3511AB.",
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "problem_analysis",
            "buurtcodes",
            "postcodes",
            "peildatum",
            "period_start",
            "period_end",
        ]
        widgets = {
            "peildatum": DateInput(),
            "period_start": DateInput(),
            "period_end": DateInput(),
            "problem_analysis": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "peildatum": "De datum waarop de gegevens van de partners betrekking hebben.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Naam van het project"
        self.fields["problem_analysis"].label = "Probleemanalyse"
        self.fields["peildatum"].label = "Peildatum"
        self.fields["period_start"].label = "Looptijd vanaf"
        self.fields["period_end"].label = "Looptijd tot en met"

    def _post_clean(self):
        # Shape only: the service applies the values and runs full_clean itself.
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProjectUpdateForm(ProjectForm):
    class Meta(ProjectForm.Meta):
        fields = [
            *ProjectForm.Meta.fields,
            "retention_unselected_weeks",
            "retention_selection_months",
            "retention_after_close_weeks",
        ]

    # The model's bounds (projects.constants), checked here too so that the error sits beside
    # the field before the service is called: (field, maximum, message, label).
    RETENTION_BOUNDS = (
        (
            "retention_unselected_weeks",
            RETENTION_UNSELECTED_WEEKS_MAX,
            RETENTION_UNSELECTED_TOO_LONG,
            f"Bewaartermijn niet-geselecteerde adressen (weken, ten hoogste "
            f"{RETENTION_UNSELECTED_WEEKS_MAX})",
        ),
        (
            "retention_selection_months",
            RETENTION_SELECTION_MONTHS_MAX,
            RETENTION_SELECTION_TOO_LONG,
            f"Bewaartermijn selectie (maanden, ten hoogste {RETENTION_SELECTION_MONTHS_MAX})",
        ),
        (
            "retention_after_close_weeks",
            RETENTION_AFTER_CLOSE_WEEKS_MAX,
            RETENTION_AFTER_CLOSE_TOO_LONG,
            f"Bewaartermijn na afsluiten (weken, ten hoogste {RETENTION_AFTER_CLOSE_WEEKS_MAX})",
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, maximum, message, label in self.RETENTION_BOUNDS:
            field = cast(forms.IntegerField, self.fields[name])
            field.max_value = maximum
            field.validators.append(forms_validators.MaxValueValidator(maximum, message))
            field.widget.attrs["max"] = maximum
            field.label = label


class CollegebesluitForm(UtrechtFormMixin, forms.Form):
    date = forms.DateField(label="Datum besluit", widget=DateInput())
    reference = forms.CharField(label="Kenmerk", max_length=100)
    document = PdfField(label="Besluit (pdf)")
    capacity_settled = forms.BooleanField(
        label="Het besluit regelt capaciteit en middelen", required=False
    )
    data_permission = forms.BooleanField(
        label="Het besluit geeft toestemming om gemeentelijke gegevens te verstrekken",
        required=False,
    )


class ProjectvoorstelForm(UtrechtFormMixin, forms.Form):
    submitted_on = forms.DateField(label="Ingediend bij de LSI op", widget=DateInput())
    document = PdfField(label="Projectvoorstel (pdf)", required=False)
    lsi_instemming_date = forms.DateField(
        label="Datum instemming LSI",
        required=False,
        widget=DateInput(),
        help_text="Vul in zodra de LSI heeft ingestemd.",
    )
    lsi_instemming_reference = forms.CharField(
        label="Kenmerk instemming LSI", max_length=100, required=False
    )


class ProjectplanForm(UtrechtFormMixin, forms.Form):
    goals = forms.CharField(label="Doelen", widget=forms.Textarea)
    approach = forms.CharField(
        label="Aanpak (balans preventie en repressie)", widget=forms.Textarea
    )
    indicators_rationale = forms.CharField(label="Indicatoren en waarom", widget=forms.Textarea)
    data_per_partner = forms.CharField(label="Gegevens per partner", widget=forms.Textarea)
    planning = forms.CharField(label="Planning", widget=forms.Textarea)
    communication = forms.CharField(label="Communicatie met bewoners", widget=forms.Textarea)
    retention = forms.CharField(label="Bewaartermijnen en hun grondslag", widget=forms.Textarea)
    document = PdfField(label="Projectplan (pdf)", required=False)


class DpiaForm(UtrechtFormMixin, forms.Form):
    vastgesteld = forms.BooleanField(label="De DPIA is vastgesteld", required=False)
    date = forms.DateField(label="Datum vaststelling", required=False, widget=DateInput())
    reference = forms.CharField(label="Kenmerk", max_length=100, required=False)
    document = PdfField(label="DPIA (pdf)", required=False)


class AdvanceForm(forms.Form):
    note = forms.CharField(label="Toelichting", required=False, max_length=2000)


# --- Partners, convenants and roles of one project (moved from partners/, rule 15). ---


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.organisation})"


class PartnerAddForm(UtrechtFormMixin, forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label="Organisatie", queryset=None, empty_label="Kies een organisatie"
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations


class PartnerRemoveForm(UtrechtFormMixin, forms.Form):
    reason = forms.CharField(label="Reden", max_length=500, required=False)


class ConvenantForm(UtrechtFormMixin, forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
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
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations


class RoleGrantForm(UtrechtFormMixin, forms.Form):
    person = PersonChoiceField(label="Persoon", queryset=None, empty_label="Kies een persoon")
    role = forms.ChoiceField(label="Rol", choices=Role.choices)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people


class RoleEndForm(UtrechtFormMixin, forms.Form):
    reason = forms.CharField(label="Reden", max_length=500, required=False)
