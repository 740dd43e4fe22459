"""The public project page (issue 15 item 1): published only by the projectleider, from the
data-uitvraag on; 404 for everyone (anonymous included) until then and after withdrawing; its
content as categories and suppressed counts."""

from __future__ import annotations

from django.urls import reverse

import pytest

from projects.constants import Phase
from tests.factories import login_verified, project_to_phase
from tests.reports.factories import EveningSpec, seed_controls, seed_selection
from transparency.constants import (
    PUBLISH_NOT_ALLOWED,
    PUBLISH_TOO_EARLY,
    WITHDRAW_NOT_PUBLISHED,
    PublicPageStatus,
)
from transparency.selectors import column_categories
from transparency.services import public_page_publish, public_page_withdraw
from wijkaanpak.core.exceptions import InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def _url(project) -> str:
    return reverse("transparency:public", kwargs={"slug": project.slug})


@pytest.fixture
def uitvraag(project_a):
    return project_to_phase(project_a, Phase.DATA_UITVRAAG)


def test_publish_from_the_data_uitvraag_on_and_withdraw(client, project_a, projectleider_a):
    with pytest.raises(InvalidTransition) as early:
        public_page_publish(actor=projectleider_a, project=project_a, intro="")
    assert early.value.message == PUBLISH_TOO_EARLY
    assert client.get(_url(project_a)).status_code == 404  # anonymous, never published
    project = project_to_phase(project_a, Phase.DATA_UITVRAAG)
    page = public_page_publish(actor=projectleider_a, project=project, intro="  Welkom  ")
    assert page.status == PublicPageStatus.GEPUBLICEERD and page.intro == "Welkom"
    event = Event.objects.get(kind="public_page_published", project=project)
    assert (event.from_state, event.to_state) == ("concept", "gepubliceerd")
    response = client.get(_url(project))  # anonymous: no login needed
    assert response.status_code == 200
    assert "Welkom" in response.content.decode()
    public_page_withdraw(actor=projectleider_a, project=project)
    assert client.get(_url(project)).status_code == 404
    with pytest.raises(InvalidTransition) as again:
        public_page_withdraw(actor=projectleider_a, project=project)
    assert again.value.message == WITHDRAW_NOT_PUBLISHED
    assert Event.objects.filter(kind="public_page_withdrawn", project=project).count() == 1


def test_only_the_projectleider_publishes(uitvraag, analist_a, adviseur_a, client):
    for person in (analist_a, adviseur_a):
        with pytest.raises(NotPermitted) as refused:
            public_page_publish(actor=person, project=uitvraag, intro="")
        assert refused.value.message == PUBLISH_NOT_ALLOWED
    login_verified(client, analist_a)
    preview = reverse("transparency:preview", kwargs={"slug": uitvraag.slug})
    assert client.get(preview).status_code == 404
    assert client.post(preview, {"intro": "x"}).status_code == 404


def test_preview_publishes_through_the_form(uitvraag, projectleider_a, client):
    login_verified(client, projectleider_a)
    preview = reverse("transparency:preview", kwargs={"slug": uitvraag.slug})
    page = client.get(preview)
    assert page.status_code == 200 and "Nog niet gepubliceerd" in page.content.decode()
    response = client.post(preview, {"intro": "Wij komen langs in uw buurt."})
    assert response.status_code == 302
    client.logout()
    body = client.get(_url(uitvraag)).content.decode()
    assert "Wij komen langs in uw buurt." in body
    assert "Wat we nooit gebruiken" in body and "nationaliteit" in body


def test_the_menu_offers_the_preview_to_the_projectleider_only(
    uitvraag, projectleider_a, analist_a, client
):
    preview = reverse("transparency:preview", kwargs={"slug": uitvraag.slug})
    detail = reverse("projects:detail", kwargs={"slug": uitvraag.slug})
    login_verified(client, projectleider_a)
    assert preview in client.get(detail).content.decode()
    login_verified(client, analist_a)
    assert preview not in client.get(detail).content.decode()


def test_counts_of_one_to_four_are_suppressed(uitvraag, projectleider_a, analist_a, uwv, client):
    """Three addresses visited, two with a finding, one referral: all shown as '<5' (and the
    area's address count, a public fact, as it is)."""
    selection = seed_selection(
        uitvraag,
        leader=projectleider_a,
        analist=analist_a,
        buurten={"BU01": 12},
        approved_per_buurt={"BU01": 3},
        risk=3,
    )
    from datetime import date

    seed_controls(
        uitvraag,
        selection.approved,
        leader=projectleider_a,
        organisation=uwv,
        evenings=[
            EveningSpec(
                date(2026, 3, 5),
                visited=3,
                findings=(
                    ("zorgsignaal", "zorg", None, None),
                    ("adresfraude", None, None, None),
                ),
            )
        ],
    )
    public_page_publish(actor=projectleider_a, project=uitvraag, intro="")
    body = client.get(_url(uitvraag)).content.decode()
    for figure in ("approved", "visited", "with_findings", "referrals"):
        assert f'data-figure="{figure}">&lt;5<' in body, figure
    assert 'data-figure="addresses">12<' in body
    for proposal in selection.approved:
        assert proposal.pseudonym not in body and proposal.address_key not in body


def test_column_categories_name_identifiers_by_their_category():
    categories = column_categories("brp", [])
    assert categories[0].startswith("burgerservicenummer")
    assert any(c.startswith("adres") for c in categories)
    assert "geboortedatum" in categories
    bag = column_categories("bag", ["postcode", "huisnummer", "straatnaam", "oppervlakte_m2"])
    assert bag == [
        "adres (bij binnenkomst vervangen door een versleuteld pseudoniem)",
        "straat en woonplaats (alleen versleuteld bewaard, voor de bezoeklijst)",
        "oppervlakte m2",
    ]
