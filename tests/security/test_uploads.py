"""R14 file upload: a bad-file corpus against the delivery upload page and the PDF uploads of
the collegebesluit and convenant pages. Every bad file is refused with a Dutch message beside
the field and nothing is stored (no row, no file in private storage); names are generated on the
server; uploaded files are never reachable under /media/.
"""

import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

import pytest

from datasharing.constants import XLSX_MAX_UNCOMPRESSED_BYTES, DeliveryStatus
from datasharing.models import Delivery
from datasharing.services import deliveries
from partners.models import Convenant
from projects import forms as project_forms
from projects.models import Collegebesluit
from tests.factories import OrganisationFactory, login_verified, minimal_pdf

from .conftest import BAG_CSV

pytestmark = pytest.mark.django_db

PDF = minimal_pdf()
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x90" * 200
WINDOWS_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS mode"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)
OLE2_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
TALLY = {"tried": 0, "accepted": 0}


def private_files() -> set[str]:
    root = Path(default_storage.location)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def zip_bomb_xlsx(uncompressed_bytes: int) -> bytes:
    """A small .xlsx-shaped zip whose one sheet inflates to `uncompressed_bytes` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"\x00" * (16 * 1024 * 1024)
            written = 0
            while written < uncompressed_bytes:
                part = chunk[: min(len(chunk), uncompressed_bytes - written)]
                sheet.write(part)
                written += len(part)
    return buffer.getvalue()


def many_entries_xlsx(entries: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(entries):
            archive.writestr(f"xl/x{i}.xml", "")
    return buffer.getvalue()


def plain_zip_as_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "geen Excel")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def huge_bomb() -> bytes:
    assert XLSX_MAX_UNCOMPRESSED_BYTES < 2**30  # so a 1 GiB bomb is beyond the cap
    return zip_bomb_xlsx(2**30 + 1024 * 1024)


def delivery_corpus(huge_bomb):
    """(label, filename, content, expected Dutch message)."""
    return [
        ("renamed ELF executable", "levering.csv", ELF, deliveries.DELIVERY_NOT_CSV),
        ("renamed Windows executable", "levering.csv", WINDOWS_EXE, deliveries.DELIVERY_NOT_CSV),
        ("PDF as .csv", "levering.csv", PDF, deliveries.DELIVERY_NOT_CSV),
        ("xlsx as .csv", "levering.csv", many_entries_xlsx(1), deliveries.DELIVERY_NOT_CSV),
        ("executable extension", "levering.exe", BAG_CSV.encode(), deliveries.DELIVERY_EXTENSION),
        ("HTML extension", "levering.html", HTML, deliveries.DELIVERY_EXTENSION),
        ("SVG extension", "levering.svg", SVG, deliveries.DELIVERY_EXTENSION),
        ("double extension", "levering.csv.exe", BAG_CSV.encode(), deliveries.DELIVERY_EXTENSION),
        ("no extension", "levering", BAG_CSV.encode(), deliveries.DELIVERY_EXTENSION),
        ("empty", "levering.csv", b"", None),  # Django's own Dutch message: "…bestand is leeg."
        ("old .xls renamed .xlsx", "levering.xlsx", OLE2_XLS, deliveries.DELIVERY_NOT_XLSX),
        ("CSV text as .xlsx", "levering.xlsx", BAG_CSV.encode(), deliveries.DELIVERY_NOT_XLSX),
        ("plain zip as .xlsx", "levering.xlsx", plain_zip_as_xlsx(), deliveries.DELIVERY_NOT_XLSX),
        (
            "truncated zip as .xlsx",
            "levering.xlsx",
            b"PK\x03\x04" + b"\x00" * 40,
            deliveries.DELIVERY_NOT_XLSX,
        ),
        (
            "zip bomb > 1 GiB uncompressed",
            "levering.xlsx",
            huge_bomb,
            deliveries.DELIVERY_XLSX_BOMB,
        ),
        (
            "zip bomb by ratio (64 MiB)",
            "levering.xlsx",
            zip_bomb_xlsx(64 * 1024 * 1024),
            deliveries.DELIVERY_XLSX_BOMB,
        ),
        (
            "zip with 2001 entries",
            "levering.xlsx",
            many_entries_xlsx(2001),
            deliveries.DELIVERY_XLSX_BOMB,
        ),
        ("traversal name, binary", "../../etc/passwd.csv", ELF, deliveries.DELIVERY_NOT_CSV),
    ]


def test_delivery_upload_refuses_the_bad_file_corpus(client, world, huge_bomb):
    assert len(huge_bomb) < 2 * 1024 * 1024  # a small file…
    assert (
        sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(huge_bomb)).infolist()) > 2**30
    )  # …huge inside
    login_verified(client, world.projectleider)
    url = reverse("datasharing:delivery-upload", args=[world.project.slug, world.data_request.pk])
    deliveries_before, files_before = Delivery.objects.count(), private_files()
    for label, filename, content, message in delivery_corpus(huge_bomb):
        TALLY["tried"] += 1
        upload = SimpleUploadedFile(filename, content, content_type="application/octet-stream")
        response = client.post(url, {"file": upload})
        html = response.content.decode()
        if response.status_code == 302:
            TALLY["accepted"] += 1
        assert response.status_code == 200, (label, response.status_code)
        assert escape(message) in html if message else "bestand is leeg" in html, label
        assert 'aria-invalid="true"' in html, label  # the message sits beside the file field
        assert Delivery.objects.count() == deliveries_before, label
        assert private_files() == files_before, label


def test_oversized_delivery_is_refused(client, world, monkeypatch):
    monkeypatch.setattr(deliveries, "MAX_DELIVERY_BYTES", 1024)
    login_verified(client, world.projectleider)
    url = reverse("datasharing:delivery-upload", args=[world.project.slug, world.data_request.pk])
    before, files_before = Delivery.objects.count(), private_files()
    content = (BAG_CSV + "0983200000000004;5911AB;13;;;woonfunctie;43\n" * 40).encode()
    assert len(content) > 1024
    TALLY["tried"] += 1
    response = client.post(url, {"file": SimpleUploadedFile("groot.csv", content)})
    assert response.status_code == 200
    assert escape(deliveries.DELIVERY_TOO_LARGE.format(max=0)) in response.content.decode()
    assert Delivery.objects.count() == before and private_files() == files_before


def test_delivery_name_is_generated_on_the_server(
    client, world, django_capture_on_commit_callbacks
):
    """A traversal name with good content is received, but stored under a generated name."""
    login_verified(client, world.projectleider)
    url = reverse("datasharing:delivery-upload", args=[world.project.slug, world.data_request.pk])
    content = BAG_CSV.replace(";41\n", ";47\n").encode()
    files_before = private_files()
    outside = Path(default_storage.location).parent / "etc" / "passwd.csv"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"file": SimpleUploadedFile("../../etc/passwd.csv", content)})
    assert response.status_code == 302
    delivery = Delivery.objects.latest("id")
    assert ".." not in delivery.original_filename and "/" not in delivery.original_filename
    new_files = private_files() - files_before
    assert len(new_files) == 1
    (stored,) = new_files
    assert "passwd" not in stored and ".." not in stored
    assert not outside.exists()
    assert delivery.raw_file.name == stored
    # Processing (the queued task) accepts it and deletes the raw upload (R17).
    for callback in callbacks:
        callback()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GEACCEPTEERD and not delivery.raw_file
    assert private_files() == files_before


def _pdf_written(*, pages: int = 1, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password + "-eigenaar")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_CORPUS = [
    (
        "polyglot: %PDF header, HTML body",
        "besluit.pdf",
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n",
        project_forms.PDF_ACTIVE_CONTENT,
    ),
    (
        "polyglot: a real PDF with HTML appended",
        "besluit.pdf",
        PDF + b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        project_forms.PDF_ACTIVE_CONTENT,
    ),
    (
        "polyglot: a real PDF with a javascript: link appended",
        "besluit.pdf",
        PDF + b"\n% javascript:alert(1)\n",
        project_forms.PDF_ACTIVE_CONTENT,
    ),
    (
        "%PDF header, no PDF",
        "besluit.pdf",
        b"%PDF-1.7\nHallo wereld\n",
        project_forms.PDF_UNREADABLE,
    ),
    ("truncated PDF", "besluit.pdf", PDF[: len(PDF) // 2], project_forms.PDF_UNREADABLE),
    ("PDF without a page", "besluit.pdf", _pdf_written(pages=0), project_forms.PDF_UNREADABLE),
    (
        "password-protected PDF",
        "besluit.pdf",
        _pdf_written(password="geheim"),
        project_forms.PDF_ENCRYPTED,
    ),
    ("HTML as .pdf", "besluit.pdf", HTML, project_forms.PDF_NOT_PDF),
    ("SVG as .pdf", "besluit.pdf", SVG, project_forms.PDF_NOT_PDF),
    (
        "polyglot: HTML first, PDF after",
        "besluit.pdf",
        b"<html><script>alert(1)</script>" + PDF,
        project_forms.PDF_NOT_PDF,
    ),
    (
        "polyglot: GIF header, PDF after",
        "besluit.pdf",
        b"GIF89a\x01\x00\x01\x00" + PDF,
        project_forms.PDF_NOT_PDF,
    ),
    (
        "polyglot: BOM and whitespace before %PDF",
        "besluit.pdf",
        b"\xef\xbb\xbf \n" + PDF,
        project_forms.PDF_NOT_PDF,
    ),
    ("renamed ELF executable", "besluit.pdf", ELF, project_forms.PDF_NOT_PDF),
    ("renamed Windows executable", "besluit.pdf", WINDOWS_EXE, project_forms.PDF_NOT_PDF),
    ("PDF content, .exe name", "besluit.exe", PDF, project_forms.PDF_WRONG_EXTENSION),
    ("PDF content, .pdf.html name", "besluit.pdf.html", PDF, project_forms.PDF_WRONG_EXTENSION),
    ("SVG with .svg name", "besluit.svg", SVG, project_forms.PDF_WRONG_EXTENSION),
    ("traversal name, HTML", "../../etc/passwd.pdf", HTML, project_forms.PDF_NOT_PDF),
]


def _oversized_pdf() -> bytes:
    return PDF + b"0" * (project_forms.PDF_MAX_BYTES + 1 - len(PDF))


def _pdf_pages(world):
    """(name, url, other form fields, model whose row count must not change)."""
    return [
        (
            "collegebesluit",
            reverse("projects:collegebesluit", args=[world.project.slug]),
            {
                "date": "2026-03-01",
                "reference": "CB-2",
                "capacity_settled": "on",
                "data_permission": "on",
            },
            Collegebesluit,
        ),
        (
            "convenant",
            reverse("projects:convenant_create", args=[world.project.slug]),
            {
                "organisation": world.partner.pk,
                "kind": "lsi",
                "reference": "CONV-9",
                "valid_from": "2026-01-01",
            },
            Convenant,
        ),
    ]


@pytest.mark.parametrize("page_index", [0, 1], ids=["collegebesluit", "convenant"])
def test_pdf_uploads_refuse_the_bad_file_corpus(client, world, page_index):
    login_verified(client, world.projectleider)
    name, url, data, model = _pdf_pages(world)[page_index]
    corpus = [
        *PDF_CORPUS,
        (
            "oversized (10 MB + 1 byte)",
            "groot.pdf",
            _oversized_pdf(),
            project_forms.PDF_TOO_LARGE.format(mb=project_forms.PDF_MAX_BYTES // 2**20),
        ),
        ("empty", "leeg.pdf", b"", None),
    ]
    rows_before, files_before = model.objects.count(), private_files()
    for label, filename, content, message in corpus:
        TALLY["tried"] += 1
        upload = SimpleUploadedFile(filename, content, content_type="application/pdf")
        response = client.post(url, {**data, "document": upload})
        if response.status_code == 302:
            TALLY["accepted"] += 1
        assert response.status_code in (200, 400), (name, label, response.status_code)
        html = response.content.decode()
        assert 'aria-invalid="true"' in html, (name, label)
        if message:
            assert escape(message) in html, (name, label)
        else:  # Django's own message for an empty upload, in Dutch
            assert "bestand is leeg" in html, (name, label)
        assert model.objects.count() == rows_before, (name, label)
        assert private_files() == files_before, (name, label)

    # The same page takes a real PDF, even under a traversal name, and names it itself.
    response = client.post(
        url, {**data, "document": SimpleUploadedFile("../../etc/passwd.pdf", PDF)}
    )
    assert response.status_code == 302, (name, response.content.decode()[-2000:])
    stored = model.objects.order_by("-id").first().document.name
    assert "passwd" not in stored and ".." not in stored and stored.endswith(".pdf")


def test_uploaded_files_are_not_under_media(client, world):
    login_verified(client, world.projectleider)
    besluit = world.project.collegebesluiten.get()
    convenant = Convenant.objects.filter(organisation=world.partner).exclude(document="").get()
    stored = [besluit.document.name, convenant.document.name]
    assert all(name and Path(default_storage.path(name)).exists() for name in stored)
    root = Path(default_storage.location).resolve()
    assert root != (Path(settings.BASE_DIR) / "static").resolve()
    assert not getattr(settings, "MEDIA_URL", "") or settings.MEDIA_URL in ("", "/")
    probes = (
        [f"/media/{name}" for name in stored]
        + [f"/{name}" for name in stored]
        + [
            "/media/",
            f"/static/{stored[0]}",
            f"/private/{stored[0]}",
            f"/var/private/{stored[0]}",
        ]
    )
    for url in probes:
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    # The authorising view is the only way in, as an attachment that the browser may not sniff.
    response = client.get(
        reverse("projects:document", args=[world.project.slug, "collegebesluit", besluit.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    # …and someone outside the project gets 404 there too.
    client.logout()
    from tests.factories import UserFactory

    outsider = UserFactory(
        username="buitenstaander", organisation=OrganisationFactory(name="Elders")
    )
    login_verified(client, outsider)
    response = client.get(
        reverse("projects:document", args=[world.project.slug, "collegebesluit", besluit.pk])
    )
    assert response.status_code == 404


def test_upload_count_cap_is_set():
    assert 0 < settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 10  # CVE-2023-24580


def test_zz_report_figures(capsys):
    from tests.figures import figure_add

    figure_add("bad_files_tried", TALLY["tried"])
    figure_add("bad_files_accepted", TALLY["accepted"])
    with capsys.disabled():
        print(f"\nR14: bad files tried {TALLY['tried']}, accepted {TALLY['accepted']}")
    assert TALLY["accepted"] == 0


# The one upload of the application that is not a PDF: a delivery (CSV or XLSX), checked by
# datasharing.services.deliveries (caps, magic, zip directory; the corpus above).
NOT_PDF_UPLOAD_FIELDS = {"DeliveryUploadForm.file"}


def _form_modules():
    """The `forms` module of every app of the project (sub-apps too), wherever the house put
    them: a form that moves between apps stays checked."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    first_party = (
        "wijkaanpak",
        "partners",
        "projects",
        "datasharing",
        "controls",
        "reports",
        "privacy",
    )
    for config in apps.get_app_configs():
        if config.name.split(".")[0] in first_party and find_spec(f"{config.name}.forms"):
            yield import_module(f"{config.name}.forms")


def test_every_pdf_upload_field_is_a_parsed_pdf_field():
    """Every file field of a form is a PdfField, so every PDF upload is parsed by pypdf; the
    delivery upload is the only other file field."""
    from django import forms

    modules = list(_form_modules())
    assert project_forms in modules
    checked, not_pdf = [], set()
    for module in modules:
        for form_class in vars(module).values():
            if not (isinstance(form_class, type) and issubclass(form_class, forms.BaseForm)):
                continue
            if form_class.__module__ != module.__name__:
                continue  # imported from another forms module: checked there
            # Mixins (UtrechtFormMixin) have no fields of their own: only declared forms do.
            for name, field in getattr(form_class, "base_fields", {}).items():
                if not isinstance(field, forms.FileField):
                    continue
                label = f"{form_class.__name__}.{name}"
                if label in NOT_PDF_UPLOAD_FIELDS:
                    not_pdf.add(label)
                    continue
                assert isinstance(field, project_forms.PdfField), (form_class, name)
                checked.append(label)
    assert not_pdf == NOT_PDF_UPLOAD_FIELDS
    assert sorted(checked) == [
        "CollegebesluitForm.document",
        "ConvenantForm.document",
        "DpiaForm.document",
        "ProjectplanForm.document",
        "ProjectvoorstelForm.document",
    ]
    # Encrypted with an empty user password (only editing is restricted): it opens, so accepted.
    content = _pdf_written(password="")
    assert b"/Encrypt" in content
    project_forms.validate_pdf(SimpleUploadedFile("besluit.pdf", content, "application/pdf"))
