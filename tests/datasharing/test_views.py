"""Pages of the intake: access (2 projects × 2 partners × roles → 404 for others), the processing
log per view of a delivery or report, query counts, the CSV report and the upload form."""

import csv
import io

from django.urls import reverse
from django.utils.html import escape

import pytest

from datasharing.constants import DeliveryStatus
from datasharing.models import Delivery
from datasharing.services import deliveries as delivery_services
from wijkaanpak.core.models import ProcessingLogEntry

from .conftest import brp_csv, csv_file, make_bsns

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected_with_formula(projectleider_a, request_for, deliver):
    """A delivery whose report has a masked BSN and a formula-like value (R15)."""
    bsns = make_bsns(20)
    lines = brp_csv(bsns).strip().split("\r\n")
    lines[3] = (
        lines[3].replace("1980-01-15", "=HYPERLINK(1)", 1).replace("15-01-1980", "=HYPERLINK(1)", 1)
    )
    lines[4] = "12345678X" + lines[4][9:]
    delivery = deliver(projectleider_a, request_for("brp"), csv_file("\r\n".join(lines)))
    return delivery


def urls_for(delivery):
    return [
        reverse("datasharing:delivery-detail", args=[delivery.pk]),
        reverse("datasharing:delivery-report-csv", args=[delivery.pk]),
        reverse("datasharing:delivery-progress", args=[delivery.pk]),
    ]


def test_access_matrix(
    rejected_with_formula,
    otp_client,
    projectleider_a,
    analist_a,
    analyst_uwv,
    inspecteur_a,
    projectleider_b,
    analyst_bd,
    intake_project_b,
    uwv,
):
    from tests.factories import UserFactory

    delivery = rejected_with_formula
    outsider_uwv = UserFactory(username="uwv_zonder_rol", organisation=uwv)
    # user -> (the municipality's delivery and its report, the data request list)
    expected = {
        projectleider_a: (200, 200),
        analist_a: (200, 200),  # the project's projectleider and municipal analysts
        # UWV's analist sees UWV's own requests only: not the municipality's delivery (issue 8
        # item 4, the municipal BRP report it once opened).
        analyst_uwv: (404, 200),
        inspecteur_a: (404, 404),
        projectleider_b: (404, 404),
        analyst_bd: (404, 404),
        outsider_uwv: (404, 404),
    }
    for user, (status, list_status) in expected.items():
        client = otp_client(user)
        for url in urls_for(delivery):
            assert client.get(url).status_code == status, (user.username, url)
        list_url = reverse("datasharing:request-list", args=[delivery.project.slug])
        assert client.get(list_url).status_code == list_status, user.username
        upload_url = reverse(
            "datasharing:delivery-upload", args=[delivery.project.slug, delivery.data_request_id]
        )
        # Only the addressed organisation (the municipality) may open the upload page.
        delivers = user in (projectleider_a, analist_a)
        assert client.get(upload_url).status_code == (200 if delivers else 404), user.username
        client.logout()


def test_expired_convenant_hides_the_delivery_at_once(
    rejected_with_formula, otp_client, analist_a, projectleider_a
):
    from datetime import date, timedelta

    from partners.services import convenant_end

    client = otp_client(analist_a)
    url = reverse("datasharing:delivery-detail", args=[rejected_with_formula.pk])
    assert client.get(url).status_code == 200
    convenant = analist_a.organisation.convenanten.get()
    convenant_end(
        actor=projectleider_a, convenant=convenant, valid_until=date.today() - timedelta(days=1)
    )
    assert client.get(url).status_code == 404


def test_every_view_of_a_delivery_or_report_is_logged(rejected_with_formula, otp_client, analist_a):
    """One record per delivery row shown (R21): the page's examples, every row of the CSV."""
    from datasharing.models import DeliveryIssue
    from tests.factories import log_subject

    delivery = rejected_with_formula
    client = otp_client(analist_a)
    before = ProcessingLogEntry.objects.filter(action="read").count()
    client.get(reverse("datasharing:delivery-detail", args=[delivery.pk]))
    client.get(reverse("datasharing:delivery-report-csv", args=[delivery.pk]))
    entries = list(ProcessingLogEntry.objects.filter(action="read").order_by("id")[before:])
    for entry in entries:
        assert (entry.ground, entry.actor_id, entry.object_id, entry.project_id) == (
            "data_intake",
            analist_a.pk,
            str(delivery.pk),
            delivery.project_id,
        )
    rows = sorted(
        set(
            DeliveryIssue.objects.filter(delivery=delivery, row_number__isnull=False).values_list(
                "row_number", flat=True
            )
        )
    )
    assert rows, "the fixture's report names rows"
    shown = [log_subject(e) for e in entries if e.name == "delivery_view"]
    downloaded = [log_subject(e) for e in entries if e.name == "delivery_report_download"]
    assert sorted(downloaded) == sorted(f"{delivery.pk}:{n}" for n in rows)
    assert shown and set(shown) <= set(downloaded)
    assert {e.data_subject_id_type for e in entries} == {"leveringsrij"}
    count = len(entries)
    # A refused view writes nothing.
    client.get(reverse("datasharing:delivery-detail", args=[delivery.pk + 999]))
    assert ProcessingLogEntry.objects.filter(action="read").count() == before + count


def test_report_page_and_csv_are_masked_and_formula_safe(
    rejected_with_formula, otp_client, projectleider_a
):
    delivery = rejected_with_formula
    assert delivery.status == DeliveryStatus.AFGEWEZEN  # 2 of 20 rows invalid: more than 5 %
    client = otp_client(projectleider_a)
    page = client.get(reverse("datasharing:delivery-detail", args=[delivery.pk])).content.decode()
    assert "De levering is afgewezen; er is niets opgeslagen." in page
    assert "12345678X" not in page and "*****" in page
    response = client.get(reverse("datasharing:delivery-report-csv", args=[delivery.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["rij", "kolom", "waarde (gemaskeerd)", "reden"]
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert any(row[0] == "5" and row[1] == "bsn" for row in rows[1:])


def test_upload_page_shows_errors_beside_the_field_and_stores_nothing(
    otp_client, projectleider_a, request_for
):
    data_request = request_for("brp")
    client = otp_client(projectleider_a)
    url = reverse("datasharing:delivery-upload", args=[data_request.project.slug, data_request.pk])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("x.txt", b"bsn\n1\n")})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [delivery_services.DELIVERY_EXTENSION]}
    assert 'id="id_file-fout"' in response.content.decode()
    assert not Delivery.objects.exists()


def test_upload_through_the_page_processes_and_redirects(
    otp_client, projectleider_a, request_for, django_capture_on_commit_callbacks
):
    data_request = request_for("brp")
    client = otp_client(projectleider_a)
    url = reverse("datasharing:delivery-upload", args=[data_request.project.slug, data_request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": csv_file(brp_csv(make_bsns(5)))})
    delivery = Delivery.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "datasharing:delivery-detail", args=[delivery.pk]
    )
    assert delivery.status == DeliveryStatus.GEACCEPTEERD


def test_progress_partial_polls_while_processing_and_refreshes_when_done(
    otp_client, projectleider_a, request_for
):
    from datasharing.services import delivery_process, delivery_upload

    data_request = request_for("brp")
    delivery = delivery_upload(
        actor=projectleider_a,
        data_request=data_request,
        file=csv_file(brp_csv(make_bsns(3))),
        queue=False,
    )
    client = otp_client(projectleider_a)
    url = reverse("datasharing:delivery-progress", args=[delivery.pk])
    polling = client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polling.content.decode() and "HX-Refresh" not in polling
    detail = client.get(reverse("datasharing:delivery-detail", args=[delivery.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail and "Validatierapport" not in detail
    delivery_process(delivery_id=delivery.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode() and done["HX-Refresh"] == "true"


def test_data_request_create_page(otp_client, projectleider_a, intake_project, uwv):
    from datasharing.services.requests import DATA_REQUEST_DEADLINE_PAST

    client = otp_client(projectleider_a)
    url = reverse("datasharing:request-create", args=[intake_project.slug])
    data = {
        "organisation": uwv.pk,
        "source": "uitkering",
        "legal_ground": "Art. 64 Wet SUWI",
        "deadline": "2020-01-01",
        "requested_columns": "",
    }
    response = client.post(url, data)
    assert response.context["form"].errors == {"deadline": [DATA_REQUEST_DEADLINE_PAST]}
    data["deadline"] = "2099-01-01"
    response = client.post(url, data)
    assert response.status_code == 302
    assert intake_project.data_requests.get().requested_columns == [
        "bsn",
        "regeling",
        "leefvorm",
        "ingangsdatum",
    ]


def test_query_counts(
    rejected_with_formula,
    otp_client,
    projectleider_a,
    request_for,
    deliver,
    django_assert_num_queries,
):
    delivery = rejected_with_formula
    request_for("bag")
    client = otp_client(projectleider_a)
    client.get("/")  # warm the session
    list_url = reverse("datasharing:request-list", args=[delivery.project.slug])
    detail_url = reverse("datasharing:delivery-detail", args=[delivery.pk])
    client.get(list_url)  # warm the content-type cache
    # List, 17 queries: 1-3 session, user, OTP device; 4 project (with its DPIA, joined); 5-6
    # every permission of the person on it, once (guardian with participation, convenant;
    # ProjectScopedMixin; the project menu reads them too, no query of its own); 7-8 the
    # selector's own check (guardian, convenant); 9 data requests (with delivery count); 10
    # prefetch of their deliveries; 11-13 the data-request gate (convenants, partners,
    # collegebesluit); 14 the person's organisation (header); 15-17 session save.
    with django_assert_num_queries(17):
        assert client.get(list_url).status_code == 200
    request_for("kvk")
    with django_assert_num_queries(17):  # one more request, no extra query (no N+1)
        assert client.get(list_url).status_code == 200
    # Detail, 18 queries: 1-3 session, user, OTP device; 4 delivery with project, organisation,
    # request and uploader; 5-6 every permission of the person on its project, once (guardian
    # with participation, convenant): view_pseudonymised let them see it, deliver_data decides
    # 'Nieuw bestand leveren' and the project menu its entries without another query; 7-12
    # processing log write (savepoint, actor's organisation, chain lock, last hash, insert,
    # release); 13 the report's file-level lines; 14 its row lines counted per (severity,
    # column, reason); 15 the first examples of each group (window function); 16-18 session save.
    with django_assert_num_queries(18):
        assert client.get(detail_url).status_code == 200
    many_bad = deliver(
        projectleider_a,
        request_for("toeslag"),
        csv_file("bsn;toeslag\n" + "".join(f"12345678{i % 10};zorgtoeslag\n" for i in range(50))),
    )
    with django_assert_num_queries(18):  # 50 bad rows in one group: still 18 (no N+1)
        assert (
            client.get(reverse("datasharing:delivery-detail", args=[many_bad.pk])).status_code
            == 200
        )


def test_delivery_page_has_one_outcome_grouped_errors_and_warnings_apart(
    otp_client, projectleider_a, analyst_uwv, request_for, django_capture_on_commit_callbacks
):
    from datasharing.intake import validation
    from datasharing.selectors import REPORT_EXAMPLES_PER_GROUP

    data_request = request_for("brp")
    client = otp_client(projectleider_a)
    url = reverse("datasharing:delivery-upload", args=[data_request.project.slug, data_request.pk])
    text = brp_csv(make_bsns(100) + ["123456789"] * 5, extra_header="opmerking", extra_value="x")
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(url, {"file": csv_file(text)})
    response = client.get(posted["Location"])
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.GEACCEPTEERD
    page = response.content.decode()
    # One outcome: accepted, and no 'received' message above it.
    assert "De levering is geaccepteerd:" in page and "afgewezen" not in page
    assert "ontvangen en wordt gecontroleerd" not in page
    report = response.context["report"]
    assert [(g.column, g.reason, g.count) for g in report.error_groups] == [
        ("bsn", validation.BSN_ELFPROEF, 5)
    ]
    [group] = report.error_groups
    assert [issue.row_number for issue in group.examples] == [102, 103, 104][
        :REPORT_EXAMPLES_PER_GROUP
    ]
    assert page.count("rij 10") == REPORT_EXAMPLES_PER_GROUP and "******789" in page
    # Warnings apart: the column that was not stored is a warning, not an error.
    assert [line.reason for line in report.file_warnings] == [
        validation.ONBEKENDE_KOLOM.format(kolom="opmerking")
    ]
    assert report.file_errors == [] and page.index('id="fouten"') < page.index(
        'id="waarschuwingen"'
    )
    assert 'id="nieuw-bestand"' in page  # the municipality delivers this source
    # The CSV keeps every line.
    csv_response = client.get(reverse("datasharing:delivery-report-csv", args=[delivery.pk]))
    assert len(csv_response.content.decode("utf-8-sig").strip().splitlines()) == 1 + 1 + 5
    client.logout()

    # Another organisation's analist does not see it at all (issue 8 item 4); who sees a
    # partner's delivery without delivering it gets no button: test_partner_delivery_page_….
    other = otp_client(analyst_uwv).get(reverse("datasharing:delivery-detail", args=[delivery.pk]))
    assert other.status_code == 404


def test_partner_delivery_page_offers_a_new_file_only_to_the_partner(
    otp_client, projectleider_a, analist_a, analyst_uwv, uwv, intake_project, deliver
):
    """The municipal analist sees UWV's delivery but does not deliver for UWV: no button."""
    from datetime import timedelta

    from django.utils import timezone

    from datasharing.services import data_request_create

    data_request = data_request_create(
        actor=projectleider_a,
        project=intake_project,
        organisation=uwv,
        source="signaal",
        legal_ground="Art. 64 Wet SUWI",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    text = "postcode;huisnummer;huisletter;huisnummertoevoeging;signaal;datum\r\n"
    text += "5912DP;137;;;vermoeden onderverhuur;2026-03-01\r\n"
    delivery = deliver(analyst_uwv, data_request, csv_file(text, "signalen.csv"))
    url = reverse("datasharing:delivery-detail", args=[delivery.pk])
    own = otp_client(analyst_uwv).get(url)
    assert own.status_code == 200 and 'id="nieuw-bestand"' in own.content.decode()
    seen = otp_client(analist_a).get(url)
    assert seen.status_code == 200 and 'id="nieuw-bestand"' not in seen.content.decode()


def test_rejected_delivery_page_names_the_column_and_offers_a_new_file(
    otp_client, projectleider_a, request_for, deliver
):
    from datasharing.intake import validation

    delivery = deliver(
        projectleider_a,
        request_for("toeslag"),
        csv_file("bsn;Geslacht\n123456782;v\n"),
    )
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    page = (
        otp_client(projectleider_a)
        .get(reverse("datasharing:delivery-detail", args=[delivery.pk]))
        .content.decode()
    )
    assert "De levering is afgewezen; er is niets opgeslagen." in page
    assert "geaccepteerd" not in page and 'role="status" id="acceptatie"' not in page
    assert "Kolom <code>Geslacht</code>:" in page
    assert "Kolom <code>toeslag</code>:" in page
    assert escape(validation.ONTBREKENDE_KOLOM.format(kolom="toeslag")) in page
    assert 'id="nieuw-bestand"' in page and "utrecht-button-link--primary-action" in page


def test_withdrawing_a_request_asks_first_and_says_what_happens(
    otp_client, projectleider_a, request_for, deliver
):
    """Issue 9 item 6: 'Intrekken' leads to a page that says what withdrawing means; only its
    confirmed form withdraws, with the reason given there."""
    from datasharing.models import DataRequest

    from .conftest import bag_csv

    data_request = request_for("bag")
    deliver(projectleider_a, data_request, csv_file(bag_csv(5), "bag.csv"))
    client = otp_client(projectleider_a)
    slug = data_request.project.slug
    listing = client.get(reverse("datasharing:request-list", args=[slug])).content.decode()
    confirm = reverse("datasharing:request-withdraw", args=[slug, data_request.pk])
    assert f'href="{confirm}"' in listing  # a link to the question, no one-click POST

    page = client.get(confirm).content.decode()
    assert "Wat er gebeurt als u de uitvraag intrekt" in page
    assert f"{data_request.organisation.name} kan op deze uitvraag geen bestanden meer" in page
    assert "De levering die al binnen is, blijft bewaard tot haar bewaartermijn verloopt" in page
    assert "Ja, uitvraag intrekken" in page

    response = client.post(confirm, {"reason": "Zonder bevestiging"})
    assert response.status_code == 302 and response.url == confirm
    assert DataRequest.objects.get(pk=data_request.pk).status != "ingetrokken"

    response = client.post(confirm, {"confirm": "1", "reason": "Verkeerde bron gevraagd"})
    assert response.status_code == 302
    data_request.refresh_from_db()
    assert (data_request.status, data_request.withdrawn_reason) == (
        "ingetrokken",
        "Verkeerde bron gevraagd",
    )
    listing = client.get(response.url).content.decode()
    assert "is ingetrokken; er kan niet meer op worden geleverd." in listing
    assert f'href="{confirm}"' not in listing
