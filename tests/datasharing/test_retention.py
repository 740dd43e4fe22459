"""Retention rules at their boundaries (`now` injected) and destruction leaving nothing behind."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

import pytest
from dateutil.relativedelta import relativedelta

from datasharing.constants import DeliveryStatus, DestructionRule
from datasharing.models import (
    RECORD_MODELS,
    AddressVaultEntry,
    BagRecord,
    BrpRecord,
    Delivery,
    DeliveryIssue,
    DestructionRecord,
    EigendomRecord,
    OwnerVaultEntry,
    ProjectKey,
)
from datasharing.pseudonymisation import Kind, pseudonymise, vault_lookup
from datasharing.registries import SELECTION_FACTS, SelectionFacts
from datasharing.services import retention_enforce
from projects.models import Project
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.models import ProcessingLogEntry

from .conftest import bag_csv, brp_csv, csv_file, make_bsns

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(intake_project, projectleider_a, request_for, deliver):
    bag = deliver(projectleider_a, request_for("bag"), csv_file(bag_csv(6)))
    # 40 persons over the addresses 5911AB 10..14 (brp_csv uses huisnummer 10 + i % 5).
    brp_lines = brp_csv(make_bsns(40)).replace(";a;", ";;")  # no huisletter: simpler keys
    brp = deliver(projectleider_a, request_for("brp"), csv_file(brp_lines))
    # The owners of the addresses 5911AB 10..15: persons and one company (eigendom, Kadaster).
    owners = "postcode;huisnummer;eigenaar_id;eigenaar_soort\n" + "".join(
        f"5911AB;{10 + i};{bsn};natuurlijk persoon\n" for i, bsn in enumerate(make_bsns(5))
    )
    owners += "5911AB;15;30123456;rechtspersoon\n"
    eigendom = deliver(projectleider_a, request_for("eigendom"), csv_file(owners))
    assert bag.status == brp.status == eigendom.status == DeliveryStatus.GEACCEPTEERD
    return intake_project


def fake_selection(monkeypatch, *, closed_at, selected: set[str]):
    facts = SelectionFacts(
        closed_at=lambda project: closed_at, selected_address_keys=lambda project: selected
    )
    monkeypatch.setattr(SELECTION_FACTS, "_entries", [facts])


def test_unselected_records_go_at_selection_closed_plus_weeks(delivered, monkeypatch):
    project = delivered
    closed = timezone.now() - timedelta(days=1)
    selected_key = pseudonymise(project=project, kind=Kind.ADDRESS, values=["5911AB|11||"])[0]
    fake_selection(monkeypatch, closed_at=closed, selected={selected_key})
    deadline = closed + timedelta(weeks=project.retention_unselected_weeks)
    assert retention_enforce(now=deadline - timedelta(seconds=1)) == []
    assert BrpRecord.objects.filter(project=project).count() == 40

    [record] = retention_enforce(now=deadline)
    assert record.rule == DestructionRule.NOT_SELECTED and record.executed_at == deadline
    assert set(BagRecord.objects.filter(project=project).values_list("address_key", flat=True)) == {
        selected_key
    }
    assert set(BrpRecord.objects.filter(project=project).values_list("address_key", flat=True)) == {
        selected_key
    }
    assert BrpRecord.objects.filter(project=project).count() == 8
    assert list(
        AddressVaultEntry.objects.filter(project=project).values_list("address_key", flat=True)
    ) == [selected_key]
    # The owner of the selected address stays (the owner view after the visits); the others go.
    assert list(
        EigendomRecord.objects.filter(project=project).values_list("address_key", flat=True)
    ) == [selected_key]
    # bag, brp, vault, eigendom, and the owner vault: the owners of unselected addresses go.
    assert record.rows_destroyed == 5 + 32 + 5 + 5 + 5
    assert record.details["tables"]["datasharing_eigendomrecord"] == 5
    owner_keys = set(
        EigendomRecord.objects.filter(project=project).values_list("person_key", flat=True)
    )
    assert record.details["tables"]["datasharing_ownervaultentry"] == 5
    assert (
        set(OwnerVaultEntry.objects.filter(project=project).values_list("owner_key", flat=True))
        == owner_keys
    )
    assert retention_enforce(now=deadline + timedelta(days=1)) == []  # idempotent


def test_selection_expires_after_its_months(delivered, monkeypatch):
    project = delivered
    closed = timezone.now() - timedelta(days=1)
    fake_selection(monkeypatch, closed_at=closed, selected=set())
    deadline = closed + relativedelta(months=project.retention_selection_months)
    retention_enforce(now=deadline - timedelta(seconds=1))  # the unselected rule has run by then
    [record] = retention_enforce(now=deadline) or [None]
    assert record is None or record.rule == DestructionRule.SELECTION_EXPIRED
    for model in RECORD_MODELS.values():
        assert not model.objects.filter(project=project).exists()


def test_project_closure_destroys_everything_personal(
    delivered, intake_project_b, projectleider_b, deliver
):
    project = delivered
    # Project B keeps its data: destruction is per project.
    from datasharing.services import data_request_create

    request_b = data_request_create(
        actor=projectleider_b,
        project=intake_project_b,
        organisation=intake_project_b.municipality,
        source="bag",
        legal_ground="Art. 64 Wet SUWI",
        deadline=timezone.localdate() + timedelta(days=7),
    )
    deliver(projectleider_b, request_b, csv_file(bag_csv(3)))
    key = pseudonymise(project=project, kind=Kind.ADDRESS, values=["5911AB|11||"])[0]
    assert vault_lookup(project=project, address_key=key) is not None
    closed = timezone.now() - timedelta(days=1)
    # Closing needs every later gate (matching, controls); here only its moment matters.
    Project.objects.filter(pk=project.pk).update(closed_at=closed, phase="afgesloten")
    deadline = closed + timedelta(weeks=project.retention_after_close_weeks)
    assert retention_enforce(now=deadline - timedelta(seconds=1)) == []

    [record] = retention_enforce(now=deadline)
    assert record.rule == DestructionRule.PROJECT_CLOSED
    for model in RECORD_MODELS.values():
        assert not model.objects.filter(project=project).exists()
    assert not AddressVaultEntry.objects.filter(project=project).exists()
    assert not OwnerVaultEntry.objects.filter(project=project).exists()
    assert not DeliveryIssue.objects.filter(delivery__project=project).exists()
    assert set(Delivery.objects.filter(project=project).values_list("status", flat=True)) == {
        DeliveryStatus.VERNIETIGD
    }
    assert not Delivery.objects.filter(project=project).exclude(raw_file="").exists()
    assert all(
        bytes(k.wrapped_key) == b"" and k.destroyed_at
        for k in ProjectKey.objects.filter(project=project)
    )
    with pytest.raises(ApplicationError):
        vault_lookup(project=project, address_key=key)
    # The record holds counts only: no pseudonym (64 hex) and no address in it.
    import re

    text = f"{record.description} {record.details}"
    assert not re.search(r"[0-9a-f]{64}", text) and "5911" not in text
    assert record.rows_destroyed >= 6 + 40 + 6 + 6
    assert record.details["tables"]["datasharing_eigendomrecord"] == 6
    assert ProcessingLogEntry.objects.filter(project=project, action="delete").count() == 1
    # Nothing of project B was touched; a second run does nothing.
    assert BagRecord.objects.filter(project=intake_project_b).count() == 3
    assert retention_enforce(now=deadline + timedelta(weeks=1)) == []
    assert DestructionRecord.objects.filter(project=project).count() == 1
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    from pathlib import Path

    assert (
        not any((Path(root) / "leveringen").glob("*"))
        if (Path(root) / "leveringen").exists()
        else True
    )


def test_without_selection_nothing_is_destroyed(delivered, monkeypatch):
    fake_selection(monkeypatch, closed_at=None, selected=set())
    assert retention_enforce(now=timezone.now() + timedelta(weeks=500)) == []
    assert BrpRecord.objects.count() == 40
