"""R17/R18: after an end-to-end intake of files with known valid BSNs, no raw BSN (nor a plain
or salted hash of one) is anywhere: not in the database dump, the logs, the Celery task
payloads or the private media directory. And the same BSN in two projects has two pseudonyms."""

import hashlib
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import connection

import pytest

from datasharing import tasks
from datasharing.constants import DeliveryStatus
from datasharing.models import BrpRecord, ToeslagRecord
from datasharing.pseudonymisation import Kind, pseudonymise
from tests.figures import figure_add

from .conftest import bag_csv, brp_csv, bsn_valid, csv_file, make_bsns

PG_DUMP = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))), None)
NINE_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")
# Nine digits with a space or a dot between any of them ('111 222 333', '111.222.333'), not part
# of a longer run: how a BSN is written in free text (security R17).
SEPARATED_NINE = re.compile(r"(?<![0-9])(?<![0-9][ .])[0-9](?:[ .]?[0-9]){8}(?![ .]?[0-9])")


def elfproef_hits(text: str) -> list[str]:
    tokens = NINE_DIGITS.findall(text) + [
        re.sub(r"[ .]", "", token)
        for token in SEPARATED_NINE.findall(text)
        if not re.fullmatch(r"[0-9]{9}", token)  # bare runs: NINE_DIGITS decides (hex keys)
    ]
    return [token for token in tokens if bsn_valid(token)]


def database_text() -> str:
    """pg_dump of the test database (data only), else every row of every table as text."""
    db = settings.DATABASES["default"]
    if PG_DUMP and shutil.which(str(PG_DUMP)):
        env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
        args = [
            str(PG_DUMP),
            "--data-only",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ]
        return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def media_text() -> str:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
def test_no_raw_bsn_anywhere_after_intake(
    intake_project,
    intake_project_b,
    projectleider_a,
    projectleider_b,
    request_for,
    belastingdienst,
    caplog,
    django_capture_on_commit_callbacks,
):
    from datasharing.services import data_request_create, delivery_upload
    from tests.datasharing.conftest import make_bsns as _make

    caplog.set_level(logging.DEBUG)
    bsns = make_bsns(30) + make_bsns(5, leading_zero=True)
    partner_bsns = _make(5, start=400000000)
    known = set(bsns) | set(partner_bsns)
    calls = []
    original_delay = tasks.delivery_process_task.delay

    def recording_delay(*args, **kwargs):
        calls.append((args, kwargs))
        return original_delay(*args, **kwargs)

    toeslag = (
        "bsn,toeslag,toeslagpartner_bsn\n"
        + "\n".join(
            f"{b.lstrip('0')},huurtoeslag,{p}" for b, p in zip(bsns[:5], partner_bsns, strict=True)
        )
        + "\n"
    )
    with mock.patch.object(tasks.delivery_process_task, "delay", side_effect=recording_delay):
        delivered = []
        for data_request, text in [
            (request_for("bag"), bag_csv(10)),
            (request_for("brp"), brp_csv([b.lstrip("0") for b in bsns])),
        ]:
            with django_capture_on_commit_callbacks(execute=True):
                delivered.append(
                    delivery_upload(
                        actor=projectleider_a, data_request=data_request, file=csv_file(text)
                    )
                )
        # The same BSNs delivered in project B as well.
        from datetime import timedelta

        from django.utils import timezone

        request_b = data_request_create(
            actor=projectleider_b,
            project=intake_project_b,
            organisation=intake_project_b.municipality,
            source="brp",
            legal_ground="Art. 64 Wet SUWI",
            deadline=timezone.localdate() + timedelta(days=7),
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivered.append(
                delivery_upload(
                    actor=projectleider_b, data_request=request_b, file=csv_file(brp_csv(bsns))
                )
            )
        request_t = data_request_create(
            actor=projectleider_b,
            project=intake_project_b,
            organisation=intake_project_b.municipality,
            source="toeslag",
            legal_ground="Art. 64 Wet SUWI",
            deadline=timezone.localdate() + timedelta(days=7),
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivered.append(
                delivery_upload(
                    actor=projectleider_b, data_request=request_t, file=csv_file(toeslag)
                )
            )

    for delivery in delivered:
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.GEACCEPTEERD
    assert ToeslagRecord.objects.exclude(partner_key="").count() == 5

    # Celery: each task was sent the delivery id only.
    assert calls == [((d.pk,), {}) for d in delivered]

    dump = database_text()
    assert (
        "datasharing_brprecord" in dump and len(dump) > 10_000
    )  # the dump really holds the records
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    media = media_text()
    for where, text in (("database", dump), ("logs", logs), ("media", media)):
        hits = [b for b in known if b in text or b.lstrip("0") in text.split()]
        hits += elfproef_hits(text)
        figure_add("raw_bsn_bytes_scanned", len(text.encode()))
        figure_add("raw_bsn_hits", len(hits))
        assert not [b for b in known if b in text or b.lstrip("0") in text.split()], where
        assert elfproef_hits(text) == [], where
    # Media holds no raw upload any more.
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert not list((root / "leveringen").glob("*")) if (root / "leveringen").exists() else True

    # R18a: no plain or salted public hash of a BSN in the database.
    lowered = dump.lower()
    for bsn in known:
        for salt in (
            "",
            str(intake_project.pk),
            intake_project.name,
            intake_project.slug,
            str(intake_project_b.pk),
            intake_project_b.name,
            intake_project_b.slug,
        ):
            for value in {bsn + salt, salt + bsn}:
                for algorithm in (hashlib.sha256, hashlib.sha1, hashlib.md5):
                    assert algorithm(value.encode()).hexdigest() not in lowered
        # R18b: the same BSN in two projects → two different pseudonyms, both stored.
        key_a = pseudonymise(project=intake_project, kind=Kind.BSN, values=[bsn])[0]
        key_b = pseudonymise(project=intake_project_b, kind=Kind.BSN, values=[bsn])[0]
        if bsn in bsns:
            assert key_a != key_b
            assert BrpRecord.objects.filter(project=intake_project, person_key=key_a).exists()
            assert BrpRecord.objects.filter(project=intake_project_b, person_key=key_b).exists()
    # R18c: the master key is not in the database or the logs.
    master = settings.WIJKAANPAK_MASTER_KEY
    assert master not in dump and master not in logs


@pytest.mark.django_db(transaction=True)
def test_no_bsn_in_any_text_column_of_any_record_table(
    intake_project, projectleider_a, request_for, django_capture_on_commit_callbacks
):
    """Free text (formats.md §4): BSNs written into every text column of every source, bare and
    with spaces or dots, are gone from every text column of every record table, from the
    validation reports and from the whole database dump; the vault (encrypted) holds no raw
    value either, once opened."""
    from django.db import models

    from datasharing.models import RECORD_MODELS, AddressVaultEntry, DeliveryIssue
    from datasharing.pseudonymisation import pseudonymiser_for
    from datasharing.services import delivery_upload
    from datasharing.services.keys import KEY_COLUMNS

    bsns = make_bsns(12, start=300000000)
    spaced = [f"{b[:3]} {b[3:6]} {b[6:]}" for b in bsns] + [
        f"{b[:3]}.{b[3:6]}.{b[6:]}" for b in bsns
    ]
    files = {
        "bag": "postcode;huisnummer;straatnaam;woonplaats;gebruiksdoel;oppervlakte_m2\n"
        + "".join(
            f"5911AB;{10 + i};Straat {spaced[i]};Plaats {bsns[i]};woonfunctie;40\n"
            for i in range(12)
        ),
        "signaal": "postcode;huisnummer;signaal\n"
        + "".join(
            f"5911AB;{10 + i % 12};bewoner {text} verdacht\n"
            for i, text in enumerate(spaced + bsns)
        ),
        "kvk": "kvk_nummer;postcode;huisnummer;sbi_code\n"
        + "".join(f"{60000000 + i};5911AB;{10 + i};{b}\n" for i, b in enumerate(bsns)),
        "eigendom": "postcode;huisnummer;eigenaar_id;eigenaar_soort\n"
        + "".join(f"5911AB;{10 + i};{b};natuurlijk persoon\n" for i, b in enumerate(bsns)),
    }
    for source, text in files.items():
        with django_capture_on_commit_callbacks(execute=True):
            delivery = delivery_upload(
                actor=projectleider_a, data_request=request_for(source), file=csv_file(text)
            )
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.GEACCEPTEERD, (source, delivery.report)

    scanned = 0
    for model in RECORD_MODELS.values():
        text_columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and field.attname not in KEY_COLUMNS
        ]
        for values in model.objects.filter(project=intake_project).values_list(*text_columns):
            for value in values:
                scanned += 1
                digits = re.sub(r"[^0-9]", "", value)
                figure_add("raw_bsn_bytes_scanned", len(value.encode()))
                figure_add("raw_bsn_hits", len([b for b in bsns if b in digits]))
                figure_add("raw_bsn_hits", len(elfproef_hits(value)))
                assert not [b for b in bsns if b in digits], (model.__name__, value)
                assert elfproef_hits(value) == [], (model.__name__, value)
    assert scanned > 12 * 4
    for issue in DeliveryIssue.objects.filter(delivery__project=intake_project):
        assert not [b for b in bsns if b in re.sub(r"[^0-9]", "", issue.masked_value)]
    assert DeliveryIssue.objects.filter(reason__startswith="De tekst bevatte een BSN").count() == (
        12 * 2 + 36 + 12  # bag straatnaam + woonplaats, signaal, kvk
    )
    pseudonymiser = pseudonymiser_for(project=intake_project)
    for entry in AddressVaultEntry.objects.filter(project=intake_project):
        parts = pseudonymiser.open_address(
            address_key=entry.address_key, ciphertext=entry.ciphertext
        )
        assert not [b for b in bsns if b in re.sub(r"[^0-9]", "", "".join(parts.values()))]
    dump = database_text()
    figure_add("raw_bsn_bytes_scanned", len(dump.encode()))
    figure_add("raw_bsn_hits", len(elfproef_hits(dump)) + len([b for b in bsns if b in dump]))
    assert elfproef_hits(dump) == [], elfproef_hits(dump)[:5]
    assert not [b for b in bsns if b in dump]
