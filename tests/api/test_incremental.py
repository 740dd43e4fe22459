"""Incremental pulls (issue 14 item 1): keyset pages in (updated_at, id) order, bounded by
the first page's `sync_until`; rows that change or appear while a client pages come in the
next pull (`updated_since=<sync_until>`), so no row is missed or doubled."""

import pytest

from controls.models import Referral
from controls.services import referrals as services
from tests.controls.followup_world import categories_ensure, finding_make

pytestmark = pytest.mark.django_db


def _pull(client, url: str, params: dict, between=None) -> tuple[list[dict], str]:
    """Every page of one pull (calling `between()` after the first page); rows, sync_until."""
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    body = response.json()
    rows, until = list(body["results"]), body["sync_until"]
    if between is not None:
        between()
    while body["next"]:
        response = client.get(body["next"])
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["sync_until"] == until  # one bound for the whole pull
        rows += body["results"]
    return rows, until


def test_no_row_missed_or_doubled_while_rows_change_between_pages(api, world):
    mp = world.own
    project, leader, partner = (
        mp.project,
        mp.extra["cast"]["projectleider"],
        mp.extra["cast"]["partner"],
    )
    handler = mp.extra["handler"]
    categories = categories_ensure(project)
    client, _account = api("projectleider")
    url = f"/api/v1/projects/{project.slug}/referrals/"
    before = len(client.get(url, {"page_size": 200}).json()["results"])
    for n in range(7):
        finding = finding_make(
            visit=mp.extra["visit"], category=categories["overig"], by=leader, description=f"B{n}"
        )
        services.referral_create(
            actor=leader, finding=finding, kind="handhaving", organisation=partner
        )
    everything = {r["id"] for r in client.get(url, {"page_size": 200}).json()["results"]}
    assert len(everything) == before + 7

    changed = {}

    def change_rows():
        """After the first page: one row already fetched and one not yet fetched change
        (received by the behandelaar), and a new referral is sent."""
        first_page = [r["id"] for r in first]
        fetched = services.referral_receive(
            actor=handler, referral=Referral.objects.get(pk=first_page[0])
        )
        not_yet = max(everything - set(first_page))
        later = services.referral_receive(actor=handler, referral=Referral.objects.get(pk=not_yet))
        finding = finding_make(
            visit=mp.extra["visit"], category=categories["overig"], by=leader, description="Nieuw"
        )
        new = services.referral_create(
            actor=leader, finding=finding, kind="handhaving", organisation=partner
        )
        changed.update(fetched=fetched.pk, later=later.pk, new=new.pk)

    first = client.get(url, {"page_size": 3}).json()["results"]
    rows, until = _pull(client, url, {"page_size": 3}, between=change_rows)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a row came twice in one pull"
    assert changed["later"] not in ids  # it changed after the pull began: next pull
    assert changed["new"] not in ids
    assert changed["fetched"] in ids  # fetched before it changed

    again, _until2 = _pull(client, url, {"page_size": 3, "updated_since": until})
    again_ids = [r["id"] for r in again]
    assert sorted(again_ids) == sorted(changed.values())
    assert {r["id"]: r["status"] for r in again}[changed["later"]] == "ontvangen"
    assert (set(ids) | set(again_ids)) == everything | {changed["new"]}, "a row was missed"
    # The order within a pull is (updated_at, id).
    keys = [(r["updated_at"], r["id"]) for r in rows]
    assert keys == sorted(keys)


def test_filters_and_bad_input(api, world):
    client, _account = api("projectleider")
    url = f"/api/v1/projects/{world.own.project.slug}/referrals/"
    sent = client.get(url, {"status": "verzonden"}).json()["results"]
    assert sent and {r["status"] for r in sent} == {"verzonden"}
    for params in (
        {"updated_since": "gisteren"},
        {"status": "bestaat-niet"},
        {"page_size": "0"},
        {"page_size": "201"},
        {"cursor": "geknoeid"},
    ):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "ongeldige_invoer"
        assert response.json()["fields"], params
    future = client.get(url, {"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert future["results"] == [] and future["next"] is None
