"""Excel deliveries typed the way Excel writes them (formats.md §1–2, issue #8 item 8).

A partner who opens a sample CSV in Excel and saves it as .xlsx gets numbers where the CSV had
digits (a BSN 012345678 becomes the number 12345678, a BAG id loses its leading 0), date cells
where it had dates, and a formula where a cell started with '='. Each wijk-300 sample is written
that way and must give exactly the rows, report and — through the real intake and matching —
the records and fired indicators that the CSV gives.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from datasharing.intake.reading import read_table
from datasharing.intake.validation import validate_delivery
from tests.matching import conftest as samples
from tests.matching.conftest import SAMPLE_DIR, SAMPLE_FILES, expected_fired, fired_by_address

_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")


def excel_value(text: str) -> object:
    """What Excel keeps of a cell that reads `text`: a number for digits (leading zeros lost),
    a date for a date (both Dutch forms), a formula for '=…', else the text; empty is empty."""
    if text == "":
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    for form in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return text


def csv_records(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def as_typed_xlsx(data: bytes) -> bytes:
    """The CSV `data` saved as an .xlsx by Excel: header as text, every other cell typed."""
    records = csv_records(data)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(records[0])
    for record in records[1:]:
        sheet.append([excel_value(cell) for cell in record])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _validated(name: str, data: bytes, filename: str):
    source = dict((file, source) for file, source, _ in SAMPLE_FILES)[name]
    return validate_delivery(
        source, read_table(data, filename), address_by_nummeraanduiding_allowed=True
    )


@pytest.mark.parametrize("name", [name for name, _, _ in SAMPLE_FILES])
def test_a_typed_xlsx_validates_exactly_as_its_csv(name: str) -> None:
    data = (SAMPLE_DIR / name).read_bytes()
    xlsx = as_typed_xlsx(data)
    cells = [cell for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for cell in row]
    assert any(cell.data_type == "n" and cell.value is not None for cell in cells)  # typed
    from_csv = _validated(name, data, name)
    from_xlsx = _validated(name, xlsx, name.replace(".csv", ".xlsx"))
    assert from_csv.accepted and from_xlsx.accepted, (name, from_xlsx.fatal_errors)
    pd.testing.assert_frame_equal(from_xlsx.rows, from_csv.rows)
    assert from_xlsx.issues == from_csv.issues, name
    assert from_xlsx.warnings == from_csv.warnings, name
    assert (from_xlsx.total_rows, from_xlsx.invalid_rows) == (
        from_csv.total_rows,
        from_csv.invalid_rows,
    )


def test_excel_types_the_identifiers_and_dates_of_the_samples() -> None:
    """The conversion above really is the hard case: BSNs and BAG ids lose leading zeros."""
    brp = load_workbook(io.BytesIO(as_typed_xlsx((SAMPLE_DIR / "brp.csv").read_bytes()))).active
    bsns = [row[0].value for row in brp.iter_rows(min_row=2)]
    assert any(isinstance(v, int) and v < 100_000_000 for v in bsns)
    assert all(isinstance(row[5].value, datetime | date) for row in brp.iter_rows(min_row=2))
    bag = load_workbook(io.BytesIO(as_typed_xlsx((SAMPLE_DIR / "bag.csv").read_bytes()))).active
    assert all(len(str(row[0].value)) == 15 for row in bag.iter_rows(min_row=2))


# --- through the real intake and matching ---------------------------------------------------------

partner_orgs = samples.partner_orgs
uitvraag_project = samples.uitvraag_project
analist_a = samples.analist_a
sample_project = samples.sample_project


def _records(delivery) -> list[tuple]:
    from datasharing.models import RECORD_MODELS

    model = RECORD_MODELS[delivery.source]
    fields = [
        f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "delivery_id")
    ]
    return sorted(model.objects.filter(delivery=delivery).values_list(*fields))


def _vault(delivery) -> list[dict]:
    from datasharing.models import AddressVaultEntry
    from datasharing.pseudonymisation import pseudonymiser_for

    pseudonymiser = pseudonymiser_for(project=delivery.project)
    return sorted(
        (
            pseudonymiser.open_address(address_key=entry.address_key, ciphertext=entry.ciphertext)
            for entry in AddressVaultEntry.objects.filter(delivery=delivery)
        ),
        key=lambda parts: sorted(parts.items()),
    )


@pytest.mark.django_db
def test_typed_xlsx_deliveries_store_the_csv_records_and_fire_the_same_indicators(
    sample_project, analist_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from datasharing.constants import DeliveryStatus
    from datasharing.models import DataRequest, Delivery
    from datasharing.services import delivery_process, delivery_upload

    project = sample_project
    organisations = samples_organisations(project)
    from_csv = {
        (d.data_request_id, d.original_filename): d
        for d in Delivery.objects.filter(project=project, status=DeliveryStatus.GEACCEPTEERD)
    }
    for name, source, kind in SAMPLE_FILES:
        data_request = DataRequest.objects.get(
            project=project, source=source, organisation=organisations[kind]
        )
        csv_delivery = from_csv[(data_request.pk, name)]
        upload = SimpleUploadedFile(
            name.replace(".csv", ".xlsx"), as_typed_xlsx((SAMPLE_DIR / name).read_bytes())
        )
        delivery = delivery_upload(
            actor=project.deliverers[kind], data_request=data_request, file=upload, queue=False
        )
        delivery = delivery_process(delivery_id=delivery.pk)
        assert delivery.status == DeliveryStatus.GEACCEPTEERD, (name, delivery.report)
        assert (delivery.valid_rows, delivery.invalid_rows) == (
            csv_delivery.valid_rows,
            csv_delivery.invalid_rows,
        ), name
        assert _records(delivery) == _records(csv_delivery), name
        assert _vault(delivery) == _vault(csv_delivery), name
        # The xlsx replaced the csv of its data request; matching uses the xlsx one.
        csv_delivery.refresh_from_db()
        assert csv_delivery.status == DeliveryStatus.VERVANGEN

    run = samples.run_inline(actor=analist_a, project=project)
    assert fired_by_address(run) == expected_fired()
    assert {used["filename"] for used in run.deliveries_used} == {
        name.replace(".csv", ".xlsx") for name, source, _ in SAMPLE_FILES if source != "eigendom"
    }


def samples_organisations(project) -> dict:
    """kind → organisation of the sample partners (their deliverers know their organisation)."""
    return {kind: person.organisation for kind, person in project.deliverers.items()}
