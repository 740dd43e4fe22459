"""formats.md §1–2 end to end through delivery_upload + delivery_process, with small files.

Every refusal is asserted with its exact Dutch message and with the proof that nothing was
stored: no record row, no vault entry, no raw file.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from datasharing.constants import DeliveryStatus
from datasharing.intake import reading, validation
from datasharing.models import RECORD_MODELS, AddressVaultEntry, BrpRecord, Delivery
from datasharing.pseudonymisation import Kind, pseudonymise, vault_lookup
from datasharing.selectors import accepted_records
from datasharing.services import deliveries as delivery_services
from datasharing.services import delivery_upload
from wijkaanpak.core.exceptions import ApplicationError, NotPermitted

from .conftest import bag_csv, brp_csv, csv_file, make_bsns, xlsx_file

pytestmark = pytest.mark.django_db


def assert_nothing_stored(delivery: Delivery) -> None:
    for model in RECORD_MODELS.values():
        assert not model.objects.filter(delivery_id=delivery.pk).exists()
    assert not AddressVaultEntry.objects.filter(delivery_id=delivery.pk).exists()
    assert not delivery.raw_file
    assert delivery.valid_rows == 0


def reasons(delivery: Delivery) -> list[str]:
    return list(delivery.issues.values_list("reason", flat=True))


def test_dirty_but_valid_csv_is_accepted_and_normalised(
    intake_project, projectleider_a, request_for, deliver
):
    bsns = make_bsns(10) + make_bsns(2, leading_zero=True)
    # The two leading-zero BSNs lose their zero, as a spreadsheet would.
    written = bsns[:10] + [b.lstrip("0") for b in bsns[10:]]
    text = brp_csv(written).replace("bsn;postcode", "  BSN ;PostCode")
    delivery = deliver(projectleider_a, request_for("brp"), csv_file(text, bom=True))
    assert delivery.status == DeliveryStatus.GEACCEPTEERD, reasons(delivery)
    assert delivery.valid_rows == 12 and delivery.invalid_rows == 0
    assert not delivery.raw_file
    keys = set(BrpRecord.objects.filter(delivery=delivery).values_list("person_key", flat=True))
    assert keys == set(pseudonymise(project=intake_project, kind=Kind.BSN, values=bsns))
    # "5911 ab" and "5911AB" are the same address; both date forms were read.
    address_keys = set(
        BrpRecord.objects.filter(delivery=delivery).values_list("address_key", flat=True)
    )
    expected = pseudonymise(
        project=intake_project, kind=Kind.ADDRESS, values=["5911AB|10|A|", "5911AB|11||"]
    )
    assert set(expected) <= address_keys
    dates = set(BrpRecord.objects.filter(delivery=delivery).values_list("geboortedatum", flat=True))
    assert {d.isoformat() for d in dates} == {"1980-01-15"}


def test_comma_delimiter_and_xlsx_are_accepted(
    projectleider_a, request_for, deliver, intake_project
):
    data_request = request_for("brp")
    delivery = deliver(
        projectleider_a, data_request, csv_file(brp_csv(make_bsns(5), delimiter=","))
    )
    assert delivery.status == DeliveryStatus.GEACCEPTEERD
    rows = [
        line.split(";") for line in brp_csv(make_bsns(5, start=200000000)).strip().split("\r\n")
    ]
    second = deliver(projectleider_a, data_request, xlsx_file(rows))
    assert second.status == DeliveryStatus.GEACCEPTEERD, reasons(second)
    assert second.file_format == "xlsx" and second.valid_rows == 5


def test_unknown_column_is_named_and_not_stored(projectleider_a, request_for, deliver):
    text = brp_csv(make_bsns(5), extra_header="opmerking", extra_value="geheim")
    delivery = deliver(projectleider_a, request_for("brp"), csv_file(text))
    assert delivery.status == DeliveryStatus.GEACCEPTEERD
    assert delivery.report["unknown_columns"] == ["opmerking"]
    assert validation.ONBEKENDE_KOLOM.format(kolom="opmerking") in reasons(delivery)
    assert "geheim" not in str(list(BrpRecord.objects.filter(delivery=delivery).values()))


@pytest.mark.parametrize(
    "column", ["nationaliteit", "Geboorteland", "etniciteit", "religie", "gezondheid", "GESLACHT"]
)
def test_forbidden_column_rejects_the_whole_delivery(projectleider_a, request_for, deliver, column):
    text = brp_csv(make_bsns(5), extra_header=column, extra_value="x")
    delivery = deliver(projectleider_a, request_for("brp"), csv_file(text))
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    message = delivery.report["fatal_errors"][0]
    assert message.startswith(validation.VERBODEN_KOLOM.split("{")[0])
    assert column.strip() in message
    assert_nothing_stored(delivery)


def test_missing_required_column_rejects(projectleider_a, request_for, deliver):
    text = brp_csv(make_bsns(5)).replace(";geboortedatum", ";geboorte")
    delivery = deliver(projectleider_a, request_for("brp"), csv_file(text))
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    assert (
        validation.ONTBREKENDE_KOLOM.format(kolom="geboortedatum")
        in delivery.report["fatal_errors"]
    )
    assert_nothing_stored(delivery)


def test_five_percent_invalid_is_accepted_more_is_rejected(projectleider_a, request_for, deliver):
    bsns = make_bsns(20)
    bad = bsns[0][:-1] + str((int(bsns[0][-1]) + 1) % 10)  # breaks the elfproef
    at_limit = deliver(projectleider_a, request_for("brp"), csv_file(brp_csv([bad] + bsns[1:])))
    assert at_limit.status == DeliveryStatus.GEACCEPTEERD
    assert at_limit.valid_rows == 19 and at_limit.invalid_rows == 1
    issue = at_limit.issues.get(column="bsn")
    assert issue.row_number == 2 and issue.reason == validation.BSN_ELFPROEF
    assert bad not in issue.masked_value and issue.masked_value.endswith(bad[-3:])

    request_b = request_for("uitkering", organisation=None)
    lines = (
        ["bsn;regeling;leefvorm"]
        + [f"{b};WW;alleenstaand" for b in bsns[2:]]
        + ["123;WW;alleenstaand", "999999999;WW;x"]
    )
    over = deliver(projectleider_a, request_b, csv_file("\n".join(lines)))
    assert over.status == DeliveryStatus.AFGEWEZEN
    assert over.report["fatal_errors"][0].startswith(
        validation.TE_VEEL_ONGELDIGE_RIJEN.split("{")[0]
    )
    assert_nothing_stored(over)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'bsn;postcode\n"123;5911AB\n', reading.CSV_AANHALINGSTEKEN_OPEN.format(rij=2)),
        (
            "bsn;postcode\n123\xe9;5911AB\n".encode("latin-1"),
            reading.CSV_GEEN_UTF8.format(positie=17),
        ),
    ],
)
def test_unreadable_file_is_rejected_with_the_reader_message(
    projectleider_a, request_for, deliver, content, message
):
    delivery = deliver(
        projectleider_a, request_for("brp"), SimpleUploadedFile("levering.csv", content)
    )
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    assert delivery.report["fatal_errors"] == [message]
    assert list(delivery.issues.values_list("reason", flat=True)) == [message]
    assert_nothing_stored(delivery)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("levering.txt", b"bsn\n123\n", delivery_services.DELIVERY_EXTENSION),
        ("levering.csv", b"", delivery_services.DELIVERY_EMPTY),
        ("levering.csv", b"MZ\x90\x00\x03\x00binary", delivery_services.DELIVERY_NOT_CSV),
        ("levering.xlsx", b"bsn;postcode\n1;2\n", delivery_services.DELIVERY_NOT_XLSX),
    ],
)
def test_bad_files_are_refused_at_upload(projectleider_a, request_for, name, content, message):
    data_request = request_for("brp")
    with pytest.raises(ApplicationError) as error:
        delivery_upload(
            actor=projectleider_a, data_request=data_request, file=SimpleUploadedFile(name, content)
        )
    assert error.value.message == message and error.value.extra == {"field": "file"}
    assert not Delivery.objects.exists()


def test_duplicate_file_is_refused(projectleider_a, request_for, deliver):
    data_request = request_for("brp")
    text = brp_csv(make_bsns(5))
    first = deliver(projectleider_a, data_request, csv_file(text))
    with pytest.raises(ApplicationError) as error:
        delivery_upload(
            actor=projectleider_a, data_request=data_request, file=csv_file(text, name="ander.csv")
        )
    assert error.value.message == delivery_services.DELIVERY_DUPLICATE.format(
        nummer=first.pk, status="geaccepteerd"
    )
    assert Delivery.objects.count() == 1
    assert BrpRecord.objects.count() == 5


def test_newer_delivery_supersedes_the_older_one(
    projectleider_a, request_for, deliver, intake_project
):
    data_request = request_for("brp")
    first = deliver(projectleider_a, data_request, csv_file(brp_csv(make_bsns(5))))
    second = deliver(
        projectleider_a, data_request, csv_file(brp_csv(make_bsns(3, start=300000000)))
    )
    first.refresh_from_db()
    assert first.status == DeliveryStatus.VERVANGEN and first.superseded_by_id == second.pk
    assert second.status == DeliveryStatus.GEACCEPTEERD
    assert BrpRecord.objects.filter(delivery=first).count() == 5  # kept until retention
    assert accepted_records(project=intake_project, source="brp").count() == 3


def test_bag_fills_the_vault_and_nummeraanduiding_rows_need_bag(
    projectleider_a, request_for, deliver, intake_project
):
    energie = "nummeraanduiding_id;jaar;elektriciteit_kwh\n0983200000000003;2025;1800\n"
    early = deliver(projectleider_a, request_for("energie"), csv_file(energie))
    assert early.status == DeliveryStatus.AFGEWEZEN
    assert (
        validation.ONTBREKENDE_ADRESKOLOM.format(kolom="postcode") in early.report["fatal_errors"]
    )
    assert_nothing_stored(early)

    bag = deliver(projectleider_a, request_for("bag"), csv_file(bag_csv(5)))
    assert bag.status == DeliveryStatus.GEACCEPTEERD
    assert AddressVaultEntry.objects.filter(delivery=bag).count() == 5
    key = pseudonymise(project=intake_project, kind=Kind.ADDRESS, values=["5911AB|13|A|"])[0]
    assert vault_lookup(project=intake_project, address_key=key) == {
        "postcode": "5911AB",
        "huisnummer": "13",
        "huisletter": "A",
        "huisnummertoevoeging": "",
        "nummeraanduiding_id": "0983200000000003",
    }
    later = deliver(projectleider_a, early.data_request, csv_file(energie + "\n"))
    assert later.status == DeliveryStatus.GEACCEPTEERD, reasons(later)
    record = RECORD_MODELS["energie"].objects.get(delivery=later)
    assert record.address_key == key  # resolved through the BAG delivery


def test_only_the_addressed_partner_may_deliver(projectleider_a, request_for, analyst_uwv):
    data_request = request_for("brp")  # addressed to the municipality
    with pytest.raises(NotPermitted) as error:
        delivery_upload(
            actor=analyst_uwv, data_request=data_request, file=csv_file(brp_csv(make_bsns(2)))
        )
    assert error.value.message == delivery_services.DELIVERY_NOT_YOURS
    assert not Delivery.objects.exists()


def test_withdrawn_request_takes_no_delivery(projectleider_a, request_for):
    from datasharing.services import data_request_withdraw
    from wijkaanpak.core.exceptions import InvalidTransition

    data_request = data_request_withdraw(
        actor=projectleider_a, data_request=request_for("brp"), reason="dubbel"
    )
    with pytest.raises(InvalidTransition) as error:
        delivery_upload(
            actor=projectleider_a, data_request=data_request, file=csv_file(brp_csv(make_bsns(2)))
        )
    assert error.value.message == delivery_services.DELIVERY_REQUEST_WITHDRAWN


def test_deleting_a_delivery_deletes_its_rows_without_a_database_constraint(
    projectleider_a, request_for, deliver
):
    """Records and vault entries carry no FK constraint (bulk_rows_delivery): the ORM cascade is
    what removes them, and nothing is left behind."""
    bag = deliver(projectleider_a, request_for("bag"), csv_file(bag_csv(5)))
    brp = deliver(projectleider_a, request_for("brp"), csv_file(brp_csv(make_bsns(4))))
    assert RECORD_MODELS["bag"].objects.filter(delivery=bag).count() == 5
    assert AddressVaultEntry.objects.filter(delivery=bag).count() == 5
    bag.delete()
    brp.delete()
    assert not RECORD_MODELS["bag"].objects.filter(delivery_id=bag.pk).exists()
    assert not BrpRecord.objects.filter(delivery_id=brp.pk).exists()
    assert not AddressVaultEntry.objects.filter(delivery_id=bag.pk).exists()


def test_rows_streamed_in_batches_are_stored_whole_and_in_address_order(
    projectleider_a, request_for, deliver, intake_project, monkeypatch
):
    """A delivery larger than one COPY batch: every row once, with its own row number and keys,
    the vault complete, and the records in address-key order (the fast index path)."""
    monkeypatch.setattr(delivery_services, "COPY_BATCH_ROWS", 3)
    bag = deliver(projectleider_a, request_for("bag"), csv_file(bag_csv(8)))
    assert bag.status == DeliveryStatus.GEACCEPTEERD, reasons(bag)
    assert AddressVaultEntry.objects.filter(delivery=bag).count() == 8
    bsns = make_bsns(10)
    brp = deliver(projectleider_a, request_for("brp"), csv_file(brp_csv(bsns)))
    assert brp.status == DeliveryStatus.GEACCEPTEERD, reasons(brp)
    stored = list(BrpRecord.objects.filter(delivery=brp).order_by("id"))
    assert sorted(r.row_number for r in stored) == list(range(2, 12))
    assert {r.person_key for r in stored} == set(
        pseudonymise(project=intake_project, kind=Kind.BSN, values=bsns)
    )
    assert [r.address_key for r in stored] == sorted(r.address_key for r in stored)


# --- the contract's new parts: eigendom, street and place, free-text BSNs, the area -------------


def test_eigendom_pseudonymises_a_person_owner_as_a_bsn_and_a_company_as_a_kvk_nummer(
    projectleider_a, request_for, deliver, intake_project
):
    from datasharing.models import EigendomRecord

    bsns = make_bsns(30)
    person = bsns[0]
    lines = ["postcode;huisnummer;eigenaar_id;eigenaar_soort;datum_eigendom"]
    lines += [
        f"5911 ab;{10 + i};{bsn.lstrip('0')};natuurlijk persoon;15-05-2018"
        for i, bsn in enumerate(bsns)
    ]
    lines += ["5911AB;99;30123456;Rechtspersoon;", "5911AB;98;30123456;rechtspersoon;2011-04-12"]
    delivery = deliver(projectleider_a, request_for("eigendom"), csv_file("\n".join(lines)))
    assert delivery.status == DeliveryStatus.GEACCEPTEERD, reasons(delivery)
    assert delivery.valid_rows == 32
    rows = EigendomRecord.objects.filter(delivery=delivery)
    [company_key] = pseudonymise(project=intake_project, kind=Kind.KVK, values=["30123456"])
    person_keys = set(pseudonymise(project=intake_project, kind=Kind.BSN, values=bsns))
    assert {r.person_key for r in rows if r.eigenaar_soort == "natuurlijk persoon"} == person_keys
    assert {r.kvk_key for r in rows if r.eigenaar_soort == "rechtspersoon"} == {company_key}
    assert all(not r.kvk_key for r in rows if r.person_key)
    assert all(not r.person_key for r in rows if r.kvk_key)
    [home] = pseudonymise(project=intake_project, kind=Kind.ADDRESS, values=["5911AB|10||"])
    first = rows.get(address_key=home)
    assert (
        first.person_key == pseudonymise(project=intake_project, kind=Kind.BSN, values=[person])[0]
    )
    assert first.datum_eigendom.isoformat() == "2018-05-15"


def test_street_and_place_live_only_in_the_vault_and_come_back_on_reidentification(
    projectleider_a, request_for, deliver, intake_project
):
    from datasharing.models import BagRecord
    from datasharing.pseudonymisation import RealAddress

    text = (
        "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;"
        "gebruiksdoel;oppervlakte_m2\n"
        "5911 ab;12;a;bis;'s-Gravenweg;Voorbeeldstad;woonfunctie;40\n"
        '5911AB;14;;;"Burgemeester ""de"" Withstraat";;woonfunctie;40\n'
        "5911AB;16;;;;;woonfunctie;40\n"
    )
    bag = deliver(projectleider_a, request_for("bag"), csv_file(text))
    assert bag.status == DeliveryStatus.GEACCEPTEERD, reasons(bag)
    assert not {"straatnaam", "woonplaats"} & {f.name for f in BagRecord._meta.get_fields()}
    keys = pseudonymise(
        project=intake_project,
        kind=Kind.ADDRESS,
        values=["5911AB|12|A|BIS", "5911AB|14||", "5911AB|16||"],
    )
    parts = [vault_lookup(project=intake_project, address_key=key) for key in keys]
    assert parts[0] == {
        "postcode": "5911AB",
        "huisnummer": "12",
        "huisletter": "A",
        "huisnummertoevoeging": "BIS",
        "straatnaam": "'s-Gravenweg",
        "woonplaats": "Voorbeeldstad",
    }
    assert parts[1]["straatnaam"] == 'Burgemeester "de" Withstraat' and "woonplaats" not in parts[1]
    assert "straatnaam" not in parts[2]
    address = RealAddress.from_vault(parts[0])
    assert (address.straatnaam, address.woonplaats, address.toevoeging) == (
        "'s-Gravenweg",
        "Voorbeeldstad",
        "BIS",
    )
    assert str(address) == "'s-Gravenweg 12 A-BIS, 5911 AB Voorbeeldstad"
    assert str(RealAddress.from_vault(parts[2])) == "5911 AB 16"


def test_a_bsn_in_a_signal_text_is_stored_removed_and_reported_masked(
    projectleider_a, request_for, deliver
):
    from datasharing.constants import IssueSeverity
    from datasharing.models import SignaalRecord

    text = (
        "postcode;huisnummer;signaal\n"
        "5911AB;10;bewoner 111222333 verdacht\n"
        "5911AB;11;bsn 111 222 333\n"
        "5911AB;12;melding buren\n"
    )
    delivery = deliver(projectleider_a, request_for("signaal"), csv_file(text))
    assert delivery.status == DeliveryStatus.GEACCEPTEERD, reasons(delivery)
    stored = sorted(
        SignaalRecord.objects.filter(delivery=delivery).values_list("signaal", flat=True)
    )
    assert stored == [
        "bewoner [BSN verwijderd] verdacht",
        "bsn [BSN verwijderd]",
        "melding buren",
    ]
    warnings = delivery.issues.filter(severity=IssueSeverity.WAARSCHUWING).order_by("row_number")
    assert [(w.row_number, w.masked_value, w.reason) for w in warnings] == [
        (2, "bewoner ******333 verdacht", validation.BSN_IN_TEKST),
        (3, "bsn *** *** 333", validation.BSN_IN_TEKST),
    ]


def test_the_report_counts_rows_outside_the_projects_area(
    projectleider_a, request_for, deliver, intake_project
):
    """Project A's area is buurt BU09830101 (the factory's); a bag row is inside by its
    buurtcode, a brp row by the postcode of a bag address inside the area."""
    from datasharing.constants import IssueSeverity

    assert intake_project.buurtcodes == ["BU09830101"] and intake_project.postcodes == []
    early = deliver(projectleider_a, request_for("brp"), csv_file(brp_csv(make_bsns(3))))
    assert early.report["outside_area_rows"] is None  # no bag yet: the buurt of a row is unknown
    bag = (
        "postcode;huisnummer;gebruiksdoel;oppervlakte_m2;buurtcode\n"
        "5911AB;10;woonfunctie;40;BU09830101\n"
        "5911AB;11;woonfunctie;40;BU09830101\n"
        "5922CD;1;woonfunctie;40;BU09830202\n"
    )
    bag_delivery = deliver(projectleider_a, request_for("bag"), csv_file(bag))
    assert bag_delivery.report["outside_area_rows"] == 1
    assert bag_delivery.report["area_postcodes"] == ["5911AB"]
    warning = bag_delivery.issues.get(row_number=None)
    assert warning.severity == IssueSeverity.WAARSCHUWING
    assert warning.reason == validation.BUITEN_PROJECTGEBIED.format(aantal=1, totaal=3)

    lines = brp_csv(make_bsns(4)).strip().split("\r\n")
    lines[-1] = lines[-1].replace("5911AB", "5922CD").replace("5911 ab", "5922 cd")
    brp = deliver(projectleider_a, early.data_request, csv_file("\r\n".join(lines) + "\r\n"))
    assert brp.status == DeliveryStatus.GEACCEPTEERD
    assert brp.report["outside_area_rows"] == 1  # a warning, never a refusal
    assert brp.valid_rows == 4


def test_accepting_a_bag_delivery_counts_its_rows_per_buurt_once(
    projectleider_a, request_for, deliver, intake_project
):
    """The area figures of the dashboard (reports.selectors) read Delivery.area_counts and
    valid_rows: they equal a count over the stored rows, for the current delivery only, and a
    replacing delivery's counts replace them."""
    from django.db.models import Count

    from datasharing.models import BagRecord
    from reports.selectors import fairness_for_project, figures_for_projects

    header = "postcode;huisnummer;gebruiksdoel;oppervlakte_m2;buurtcode\n"
    rows = [f"5911AB;{n};woonfunctie;50;BU09830101" for n in range(1, 6)]
    rows += [f"5911AB;{n};woonfunctie;50;" for n in range(6, 9)]
    first = deliver(projectleider_a, request_for("bag"), csv_file(header + "\n".join(rows)))
    assert first.status == DeliveryStatus.GEACCEPTEERD, reasons(first)

    stored = dict(
        BagRecord.objects.filter(delivery=first)
        .values("buurtcode")
        .annotate(n=Count("pk"))
        .values_list("buurtcode", "n")
    )
    assert first.area_counts == stored == {"BU09830101": 5, "": 3}
    assert figures_for_projects([intake_project.pk])[intake_project.pk].addresses == 8
    fairness = fairness_for_project(project=intake_project)
    assert fairness.addresses == 8
    assert {row.buurtcode: row.addresses for row in fairness.buurten} == {
        "onbekend": 3,
        "BU09830101": 5,
    }

    second = deliver(
        projectleider_a,
        first.data_request,
        csv_file(header + "\n".join(rows[:2]), name="bag-2.csv"),
    )
    assert second.status == DeliveryStatus.GEACCEPTEERD, reasons(second)
    assert second.area_counts == {"BU09830101": 2}
    assert figures_for_projects([intake_project.pk])[intake_project.pk].addresses == 2
    assert fairness_for_project(project=intake_project).addresses == 2
