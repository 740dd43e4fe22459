"""Deliveries and data requests: every (state × move) pair, each move with its event (rule 11).

States are reached through the real services (upload, processing, a newer delivery, retention's
destroying move); then every move of the lifecycle's table is tried: it happens, with exactly one
Event, if and only if the table allows it.
"""

import ast
from pathlib import Path

import pytest

from datasharing.constants import (
    DATA_REQUEST_TRANSITIONS,
    DELIVERY_TRANSITIONS,
    DataRequestStatus,
    DeliveryStatus,
)
from datasharing.models import DataRequest, Delivery
from datasharing.services import data_request_withdraw, delivery_upload
from datasharing.services.deliveries import (
    DELIVERY_EVENTS,
    DELIVERY_TRANSITION_REFUSED,
    delivery_process_begin,
    delivery_queue_failed,
    delivery_transition,
)
from datasharing.services.requests import DATA_REQUEST_ALREADY_WITHDRAWN, data_request_delivered
from wijkaanpak.core.exceptions import InvalidTransition
from wijkaanpak.core.models import Event

from .conftest import bag_csv, csv_file

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _events(obj) -> list[tuple[str, str, str]]:
    return list(
        Event.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("kind", "from_state", "to_state")
    )


@pytest.fixture
def delivery_in(projectleider_a, request_for, deliver):
    """delivery_in(state) → a delivery of project A brought into `state` by the services, each on
    a fresh bag data request (the previous one withdrawn: one live request per source)."""
    counter = iter(range(1, 1000))
    stored: list[str] = []  # raw files of unprocessed uploads, removed afterwards

    def fresh_request() -> DataRequest:
        for live in DataRequest.objects.filter(source="bag").exclude(status="ingetrokken"):
            data_request_withdraw(actor=projectleider_a, data_request=live)
        return request_for("bag")

    def make(state: DeliveryStatus) -> Delivery:
        n = next(counter)
        data_request = fresh_request()
        good = csv_file(bag_csv(3, start_nad=983200000000000 + 100 * n))
        if state in (DeliveryStatus.ONTVANGEN, DeliveryStatus.VERWERKEN):
            upload = delivery_upload(
                actor=projectleider_a, data_request=data_request, file=good, queue=False
            )
            stored.append(upload.raw_file.name)
            if state == DeliveryStatus.ONTVANGEN:
                return upload
            return delivery_process_begin(delivery_id=upload.pk)
        if state == DeliveryStatus.GEACCEPTEERD:
            return deliver(projectleider_a, data_request, good)
        if state == DeliveryStatus.MISLUKT:  # the broker refused its job (issue 8 item 5)
            upload = delivery_upload(
                actor=projectleider_a, data_request=data_request, file=good, queue=False
            )
            return delivery_queue_failed(delivery_id=upload.pk, error=ConnectionError("down"))
        if state == DeliveryStatus.AFGEWEZEN:
            return deliver(projectleider_a, data_request, csv_file(f"onzin;kolommen\n{n};x\n"))
        if state == DeliveryStatus.VERVANGEN:
            older = deliver(projectleider_a, data_request, good)
            newer = csv_file(bag_csv(4, start_nad=983300000000000 + 100 * n))
            deliver(projectleider_a, data_request, newer)
            return Delivery.objects.select_related("project").get(pk=older.pk)
        accepted = deliver(projectleider_a, data_request, good)  # vernietigd: retention's move
        accepted = Delivery.objects.select_related("project").get(pk=accepted.pk)
        return delivery_transition(delivery=accepted, target=DeliveryStatus.VERNIETIGD)

    yield make
    storage = Delivery._meta.get_field("raw_file").storage
    for name in stored:
        storage.delete(name)


@pytest.mark.parametrize("current", list(DeliveryStatus), ids=str)
def test_every_delivery_move_follows_the_table_and_writes_its_event(delivery_in, current):
    for target in DeliveryStatus:
        if target == DeliveryStatus.ONTVANGEN:
            continue  # only an upload makes a delivery `ontvangen` (tested below)
        delivery = delivery_in(current)
        delivery = Delivery.objects.select_related("project").get(pk=delivery.pk)
        assert delivery.status == current
        before = _events(delivery)
        if target in DELIVERY_TRANSITIONS[current]:
            delivery_transition(delivery=delivery, target=target)
            assert Delivery.objects.get(pk=delivery.pk).status == target
            assert _events(delivery) == [*before, (DELIVERY_EVENTS[target], current, target)]
        else:
            with pytest.raises(InvalidTransition) as excinfo:
                delivery_transition(delivery=delivery, target=target)
            assert excinfo.value.message == DELIVERY_TRANSITION_REFUSED.format(
                van=current.label, naar=target.label
            )
            assert Delivery.objects.get(pk=delivery.pk).status == current
            assert _events(delivery) == before


def test_upload_acceptance_rejection_and_replacement_write_their_events(delivery_in):
    replaced = delivery_in(DeliveryStatus.VERVANGEN)
    assert [kind for kind, _, _ in _events(replaced)] == [
        "delivery_uploaded",
        "delivery_processing",
        "delivery_accepted",
        "delivery_superseded",
    ]
    rejected = delivery_in(DeliveryStatus.AFGEWEZEN)
    assert _events(rejected) == [
        ("delivery_uploaded", "", "ontvangen"),
        ("delivery_processing", "ontvangen", "verwerken"),
        ("delivery_rejected", "verwerken", "afgewezen"),
    ]


def test_a_moved_row_is_not_moved_again_from_a_stale_copy(delivery_in):
    delivery = delivery_in(DeliveryStatus.GEACCEPTEERD)
    stale = Delivery.objects.select_related("project").get(pk=delivery.pk)
    delivery_transition(delivery=delivery, target=DeliveryStatus.VERNIETIGD)
    with pytest.raises(InvalidTransition):
        delivery_transition(delivery=stale, target=DeliveryStatus.VERVANGEN)  # read as accepted
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.VERNIETIGD


def test_only_delivery_transition_writes_a_delivery_status():
    """A static check: no `.update(status=…)` on deliveries outside the one writer."""
    writers = set()
    for path in (ROOT / "datasharing").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "update"
                    and any(k.arg == "status" for k in node.keywords)
                    and "Delivery.objects" in ast.unparse(node.func.value)
                ):
                    writers.add(function.name)
    assert writers == {"delivery_transition"}


@pytest.mark.parametrize("current", list(DataRequestStatus), ids=str)
def test_every_data_request_move_follows_the_table(current, request_for, deliver, projectleider_a):
    data_request = request_for("bag")
    delivery = delivery_upload(
        actor=projectleider_a, data_request=data_request, file=csv_file(bag_csv(2)), queue=False
    )
    delivery.raw_file.storage.delete(delivery.raw_file.name)  # only its row matters here
    if current == DataRequestStatus.GELEVERD:
        delivery = deliver(projectleider_a, data_request, csv_file(bag_csv(3)))
    elif current == DataRequestStatus.INGETROKKEN:
        data_request_withdraw(actor=projectleider_a, data_request=data_request)
    assert DataRequest.objects.get(pk=data_request.pk).status == current

    # → geleverd: the service the transaction that accepts a delivery calls.
    before = _events(data_request)
    moved = data_request_delivered(data_request_id=data_request.pk, delivery=delivery)
    if DataRequestStatus.GELEVERD in DATA_REQUEST_TRANSITIONS[current]:
        assert moved
        assert _events(data_request) == [*before, ("data_request_delivered", current, "geleverd")]
        current = DataRequestStatus.GELEVERD
    else:
        assert not moved and _events(data_request) == before
    assert DataRequest.objects.get(pk=data_request.pk).status == current

    # → ingetrokken: the projectleider withdraws.
    before = _events(data_request)
    if DataRequestStatus.INGETROKKEN in DATA_REQUEST_TRANSITIONS[current]:
        data_request_withdraw(actor=projectleider_a, data_request=data_request)
        assert _events(data_request) == [
            *before,
            ("data_request_withdrawn", current, "ingetrokken"),
        ]
    else:
        with pytest.raises(InvalidTransition) as excinfo:
            data_request_withdraw(actor=projectleider_a, data_request=data_request)
        assert excinfo.value.message == DATA_REQUEST_ALREADY_WITHDRAWN
        assert _events(data_request) == before
