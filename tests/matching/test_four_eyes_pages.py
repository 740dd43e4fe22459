"""The four-eyes record as the pages show it (issue 9 item 1), post/redirect/get on
re-identification (9.2), the confirmation step of 'Selectie sluiten' (9.6) and the selection
record of an approved address (issue 11 item 7)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from datasharing.matching import services
from datasharing.matching.models import (
    Reidentification,
    RiskAddress,
    SelectionClosure,
    SelectionProposal,
)
from datasharing.pseudonymisation import RealAddress, vault_lookup
from partners.models import User
from projects.constants import Role
from tests.factories import UserFactory, log_subject, log_token
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(signal_project, analist_a, projectleider_a):
    """The analist is Joost de Vries, the projectleider Fatima El Amrani (the demo's mix-up:
    the risk-address page named Joost, who proposed, as the one who approved)."""
    User.objects.filter(pk=analist_a.pk).update(first_name="Joost", last_name="de Vries")
    User.objects.filter(pk=projectleider_a.pk).update(first_name="Fatima", last_name="El Amrani")
    analist_a.refresh_from_db()
    projectleider_a.refresh_from_db()
    return analist_a, projectleider_a


def _risks(project):
    return list(
        RiskAddress.objects.filter(
            run__project=project, run__is_current=True, is_risk=True
        ).order_by("pk")
    )


def _body(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_pages_name_who_proposed_and_who_decided(
    client, verified_client, signal_project, named
):
    analist, leader = named
    slug = signal_project.slug
    first, second, *_ = _risks(signal_project)

    verified_client(analist)
    response = client.post(
        reverse("matching:risk", args=[slug, first.pk]), {"reason": "Twee partners melden"}
    )
    assert response.status_code == 302
    message = _body(client, response.url)
    assert f"Adres {first.pseudonym} is voorgedragen door u op" in message
    client.post(reverse("matching:risk", args=[slug, second.pk]), {"reason": "Samenloop"})
    approved, rejected = (
        SelectionProposal.objects.get(address_key=first.address_key),
        SelectionProposal.objects.get(address_key=second.address_key),
    )
    client.logout()

    verified_client(leader)
    decide = "matching:proposal-decide"
    response = client.post(
        reverse(decide, args=[slug, approved.pk]),
        {"decision": "approve", "decision_reason": "Onderbouwd, plannen"},
    )
    assert response.status_code == 302
    body = _body(client, response.url)
    assert (
        f"Voorstel goedgekeurd: adres {first.pseudonym}, voorgedragen door Joost de Vries. "
        "Uw reden: Onderbouwd, plannen"
    ) in body
    response = client.post(
        reverse(decide, args=[slug, rejected.pk]),
        {"decision": "reject", "decision_reason": "Signalen te oud"},
    )
    body = _body(client, response.url)
    assert f"Voorstel afgewezen: adres {second.pseudonym}" in body
    assert "Voorstel goedgekeurd" not in body  # the message of this decision only

    # The risk-address page: proposer and decider each under their own name (the bug's root).
    page = _body(client, reverse("matching:risk", args=[slug, first.pk]))
    assert 'Voorgedragen door</dt><dd class="wk-proposer">Joost de Vries' in page
    assert 'Goedgekeurd door</dt><dd class="wk-decider">Fatima El Amrani' in page
    assert "Twee partners melden" in page and "Onderbouwd, plannen" in page
    assert "door Joost de Vries</dd>" not in page  # never 'goedgekeurd door' the proposer
    page = _body(client, reverse("matching:risk", args=[slug, second.pk]))
    assert 'Afgewezen door</dt><dd class="wk-decider">Fatima El Amrani' in page
    assert "Signalen te oud" in page

    risk_list = _body(client, reverse("matching:risks", args=[slug]))
    assert "goedgekeurd door Fatima El Amrani" in risk_list
    assert "Eerder afgewezen</strong> door Fatima El Amrani" in risk_list
    assert "Signalen te oud" in risk_list

    for name in ("matching:proposals", "matching:selection"):
        page = _body(client, reverse(name, args=[slug]))
        assert 'wk-proposer">Joost de Vries' in page, name
        assert 'wk-decider">Fatima El Amrani' in page, name


def test_proposing_a_rejected_address_again_asks_what_changed(
    client, verified_client, signal_project, named
):
    analist, leader = named
    slug = signal_project.slug
    address = _risks(signal_project)[0]
    services.selection_reject(
        actor=leader,
        proposal=services.selection_propose(actor=analist, risk_address=address, reason="Eerst"),
        reason="Te weinig grond",
    )
    verified_client(analist)
    url = reverse("matching:risk", args=[slug, address.pk])
    form = _body(client, url)
    assert "Eerder afgewezen op" in form and "Te weinig grond" in form
    assert 'name="what_changed"' in form and "Opnieuw voordragen" in form

    response = client.post(url, {"reason": "Nieuw signaal"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_what_changed-fout"' in body  # the error beside the field
    assert SelectionProposal.objects.filter(status="proposed").count() == 0
    # The service asks it as well, whatever the form does.
    with pytest.raises(ApplicationError) as error:
        services.selection_propose(actor=analist, risk_address=address, reason="x")
    assert error.value.message == services.WHAT_CHANGED_REQUIRED
    assert error.value.extra == {"field": "what_changed"}

    response = client.post(
        url, {"reason": "Nieuw signaal", "what_changed": "De politie meldt nu ook overlast."}
    )
    assert response.status_code == 302
    again = SelectionProposal.objects.get(status="proposed")
    assert again.reason.startswith("Nieuw signaal\n\nWat is er veranderd sinds de afwijzing van")
    assert again.reason.endswith(": De politie meldt nu ook overlast.")
    assert again.snapshot["previous_rejection"]["decision_reason"] == "Te weinig grond"
    assert again.snapshot["previous_rejection"]["decided_by"] == "Fatima El Amrani"


def test_reidentification_post_redirect_get_and_exact_log_counts(
    client, verified_client, signal_project, named
):
    """One confirmed re-identification: one Reidentification and one processing-log record
    ("reidentify"); the redirect's page shows the address without another record; each reload
    writes exactly one "read" record and never a second Reidentification (R21)."""
    analist, leader = named
    slug = signal_project.slug
    proposal = services.selection_approve(
        actor=leader,
        proposal=services.selection_propose(
            actor=analist, risk_address=_risks(signal_project)[0], reason="Samenloop"
        ),
        reason="Akkoord",
    )
    verified_client(leader)
    log = ProcessingLogEntry.objects.filter(data_subject_id=log_token(proposal.address_key))
    before = log.count()

    response = client.post(
        reverse("matching:reidentify", args=[slug, proposal.pk]),
        {"reason": "Controleavond 12 maart"},
    )
    assert response.status_code == 302
    reidentification = Reidentification.objects.get()
    page = reverse("matching:reidentification", args=[slug, reidentification.pk])
    assert response.url == page
    assert (log.count() - before, log.filter(action="reidentify").count()) == (1, 1)
    entry = log.get(action="reidentify")
    assert reidentification.processing_log_operation_id == entry.operation_id

    shown = client.get(page)
    body = shown.content.decode()
    parts = vault_lookup(project=signal_project, address_key=proposal.address_key)
    address = services.address_format(parts)
    assert f'<p class="wk-address">{address}</p>' in body
    assert "Controleavond 12 maart" in body and "Fatima El Amrani" in body
    real = RealAddress.from_vault(parts)
    assert f"<dt>Postcode</dt><dd>{real.postcode_display}</dd>" in body
    assert f"<dt>Huisnummer</dt><dd>{real.huisnummer}</dd>" in body
    assert log.count() - before == 1  # the showing the POST's record stands for

    for reload in (1, 2):
        again = client.get(page)
        assert again.status_code == 200 and address in again.content.decode()
        assert log.filter(action="read").count() == reload
        assert log.filter(action="reidentify").count() == 1
        assert Reidentification.objects.count() == 1
    read = log.filter(action="read").first()
    assert (read.ground, read.object_id, read.actor) == (
        "reidentification",
        str(reidentification.pk),
        leader,
    )

    # Only who re-identified, for one shift: another person, or later, gets 404.
    inspecteur = UserFactory(username="insp_pg", organisation=leader.organisation)
    from projects.services import role_grant

    role_grant(actor=leader, project=signal_project, person=inspecteur, role=Role.INSPECTEUR)
    client.logout()
    verified_client(inspecteur)
    assert client.get(page).status_code == 404
    client.logout()
    verified_client(leader)
    assert client.get(page).status_code == 200  # a new session of the same shift
    assert log.filter(action="read").count() == 3
    Reidentification.objects.filter(pk=reidentification.pk).update(
        created_at=timezone.now() - timedelta(hours=12, minutes=1)
    )
    assert client.get(page).status_code == 404
    assert log.filter(action="read").count() == 3


def test_closing_the_selection_asks_first_and_says_what_happens(
    client, verified_client, signal_project, named
):
    analist, leader = named
    slug = signal_project.slug
    first, second, *_ = _risks(signal_project)
    services.selection_approve(
        actor=leader,
        proposal=services.selection_propose(actor=analist, risk_address=first, reason="a"),
        reason="ok",
    )
    services.selection_propose(actor=analist, risk_address=second, reason="b")
    verified_client(leader)
    selection = _body(client, reverse("matching:selection", args=[slug]))
    close = reverse("matching:selection-close", args=[slug])
    assert f'href="{close}"' in selection  # a link to the confirmation, not a one-click POST

    page = _body(client, close)
    assert "Wat er gebeurt als u de selectie sluit" in page
    assert "De 1 goedgekeurde adressen zijn de selectie" in page
    assert "De voordracht die nog op een besluit wacht, krijgt geen besluit meer." in page
    assert "4 weken na het sluiten vernietigd" in page and "24 maanden bewaard" in page
    assert "Ja, selectie sluiten" in page

    response = client.post(close)  # no confirmation: back to the question, nothing closed
    assert response.status_code == 302 and response.url == close
    assert not SelectionClosure.objects.exists()
    response = client.post(close, {"confirm": "1"})
    assert response.status_code == 302
    assert SelectionClosure.objects.get().approved_count == 1
    assert "De selectie is gesloten: 1 goedgekeurde adressen." in _body(client, response.url)


def test_the_selection_record_explains_an_approved_address(
    client, verified_client, signal_project, named
):
    analist, leader = named
    slug = signal_project.slug
    first, second, *_ = _risks(signal_project)
    services.selection_reject(
        actor=leader,
        proposal=services.selection_propose(actor=analist, risk_address=first, reason="Eerst"),
        reason="Nog niet",
    )
    proposal = services.selection_approve(
        actor=leader,
        proposal=services.selection_propose(
            actor=analist, risk_address=first, reason="Opnieuw", what_changed="Nieuw signaal"
        ),
        reason="Nu wel",
    )
    services.reidentification_create(actor=leader, proposal=proposal, reason="Route plannen")
    open_one = services.selection_propose(actor=analist, risk_address=second, reason="c")
    url = reverse("matching:proposal-record", kwargs={"slug": slug, "pk": proposal.pk})

    verified_client(leader)
    log = ProcessingLogEntry.objects.filter(name="selectieverantwoording inzien")
    body = _body(client, url)
    assert log.count() == 1 and log_subject(log.get()) == proposal.address_key
    run = proposal.run
    assert f"Run</dt><dd>{run.pk} " in body
    assert run.software_version in body
    for delivery in run.deliveries_used:
        assert delivery["content_hash"] in body
    result = run.results.get(address_key=proposal.address_key, indicator="SAMENLOOP_SIGNALEN")
    for name, value in result.figures.items():
        assert f"<dt>{name}</dt><dd>{value}</dd>" in body
    assert "Samenloop" in body  # the indicator by name
    assert 'wk-proposer">Joost de Vries' in body and 'wk-decider">Fatima El Amrani' in body
    assert "Opnieuw" in body and "Nu wel" in body
    assert "Nog niet" in body  # the earlier rejection
    assert "Route plannen" in body  # the re-identification: who, when, why
    assert str(run.settings_snapshot["risk_threshold"]) in body
    assert 'class="utrecht-paragraph wk-no-print"' in body  # not on paper: the way back
    # Only an approved proposal has a record; only the projectleider opens it.
    other = reverse("matching:proposal-record", kwargs={"slug": slug, "pk": open_one.pk})
    assert client.get(other).status_code == 404
    client.logout()
    verified_client(analist)
    assert client.get(url).status_code == 404


def test_proposals_page_shows_every_open_proposal_and_a_page_of_the_decided_ones(
    client, verified_client, signal_project, named, monkeypatch
):
    """A city's selection has hundreds of decided proposals: one page of them at a time (each
    shown address is logged, R21), the open ones always all."""
    from datasharing.matching import views

    monkeypatch.setattr(views, "DECIDED_PAGE_SIZE", 1)
    analist, leader = named
    first, second, waiting = _risks(signal_project)[:3]
    for address in (first, second):
        services.selection_approve(
            actor=leader,
            proposal=services.selection_propose(actor=analist, risk_address=address, reason="R"),
            reason="Akkoord",
        )
    services.selection_propose(actor=analist, risk_address=waiting, reason="Wacht")
    verified_client(leader)
    url = reverse("matching:proposals", args=[signal_project.slug])
    decided = list(
        SelectionProposal.objects.filter(project=signal_project, status="approved").order_by(
            "-proposed_at", "-id"
        )
    )
    last = ProcessingLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    page = _body(client, url)
    assert waiting.pseudonym in page and decided[0].pseudonym in page
    assert decided[1].pseudonym not in page and "Pagina 1 van 2" in page
    shown = ProcessingLogEntry.objects.filter(pk__gt=last, name="voordrachten inzien")
    assert {log_subject(entry) for entry in shown} == {
        waiting.address_key,
        decided[0].address_key,
    }
    page = _body(client, url + "?pagina=2")
    assert decided[1].pseudonym in page and decided[0].pseudonym not in page
    assert waiting.pseudonym in page
