"""An intake (a partner's upload) while PostgreSQL restarts halfway (issue 16.2): a Dutch 503,
no delivery row, no raw file left in private storage; the same file is accepted afterwards."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.urls import reverse

import pytest

from datasharing.models import Delivery
from tests.service_restarts import services  # noqa: F401 - the fixture

from .conftest import bag_csv, csv_file

pytestmark = [pytest.mark.celery_worker]


def _raw_files() -> set[Path]:
    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "leveringen"
    return set(folder.glob("*")) if folder.exists() else set()


def test_an_upload_whose_database_restarts_midway_leaves_nothing_and_succeeds_after(
    services,  # noqa: F811
    otp_client,
    projectleider_a,
    intake_project,
    request_for,
    monkeypatch,
):
    from datasharing.services import deliveries

    data_request = request_for("bag")
    client = otp_client(projectleider_a)
    client.raise_request_exception = False
    url = reverse("datasharing:delivery-upload", args=[intake_project.slug, data_request.pk])
    content = bag_csv(5)
    files_before = _raw_files()

    # The raw file is stored and the delivery row written; then PostgreSQL goes away before the
    # processing-log record and the commit.
    original = deliveries.processing_log_write

    def database_goes_away(**kwargs):
        services.stop("postgres")
        return original(**kwargs)

    monkeypatch.setattr(deliveries, "processing_log_write", database_goes_away)
    response = client.post(url, {"file": csv_file(content, "bag.csv")})
    text = response.content.decode()
    assert response.status_code == 503, text[:500]
    assert "Wijkaanpak is even niet bereikbaar" in text and "Traceback" not in text

    services.start("postgres")
    monkeypatch.setattr(deliveries, "processing_log_write", original)
    assert not Delivery.objects.filter(data_request=data_request).exists()
    assert _raw_files() == files_before, "no raw file left behind (R17)"

    # The partner simply uploads again: accepted (processed eagerly in the test settings).
    again = client.post(url, {"file": csv_file(content, "bag.csv")})
    assert again.status_code == 302
    delivery = Delivery.objects.get(data_request=data_request)
    assert delivery.status == "geaccepteerd", delivery.error_message
    assert delivery.valid_rows == 5
