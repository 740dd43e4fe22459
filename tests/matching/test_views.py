"""Pages of matching and selection: the 404 matrix (R2), query counts, and the flows."""

from __future__ import annotations

from django.urls import reverse

import pytest

from datasharing.matching import services
from datasharing.matching.models import (
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionProposal,
)
from projects.constants import Role
from tests.factories import UserFactory, log_token
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(signal_project, projectleider_a, analist_a, partner_orgs, projectleider_b, project_b):
    from projects.services import role_grant

    inspecteur = UserFactory(username="insp_a", organisation=partner_orgs["uwv"])
    role_grant(
        actor=projectleider_a, project=signal_project, person=inspecteur, role=Role.INSPECTEUR
    )
    behandelaar = UserFactory(username="beh_a", organisation=partner_orgs["uwv"])
    role_grant(
        actor=projectleider_a, project=signal_project, person=behandelaar, role=Role.BEHANDELAAR
    )
    return {
        "pl": projectleider_a,
        "analist": analist_a,
        "inspecteur": inspecteur,
        "behandelaar": behandelaar,
        "pl_b": projectleider_b,
    }


@pytest.fixture
def approved(signal_project, analist_a, projectleider_a):
    address = RiskAddress.objects.filter(
        run__project=signal_project, run__is_current=True, is_risk=True
    ).first()
    proposal = services.selection_propose(actor=analist_a, risk_address=address, reason="Samenloop")
    return services.selection_approve(actor=projectleider_a, proposal=proposal, reason="Akkoord")


PSEUDO = {"pl", "analist"}
ADDRESSES = {"pl", "inspecteur"}
MEMBERS = {"pl", "analist", "inspecteur", "behandelaar"}


def test_access_matrix_404_for_everyone_else(
    client, verified_client, people, signal_project, project_b, approved
):
    run = MatchingRun.objects.get(project=signal_project, is_current=True)
    address = approved.risk_address
    slug = signal_project.slug
    urls = {
        reverse("matching:runs", args=[slug]): PSEUDO,
        reverse("matching:run-status", args=[slug, run.pk]): PSEUDO,
        reverse("matching:risks", args=[slug]): PSEUDO,
        reverse("matching:risk", args=[slug, address.pk]): PSEUDO,
        reverse("matching:proposals", args=[slug]): PSEUDO,
        reverse("matching:selection", args=[slug]): ADDRESSES,
        reverse("matching:reidentify", args=[slug, approved.pk]): ADDRESSES,
        reverse("matching:method", args=[slug]): MEMBERS,
        reverse("matching:settings", args=[slug]): {"pl"},
        # Project A's objects under project B's slug: never found, not even for B's projectleider.
        reverse("matching:run-status", args=[project_b.slug, run.pk]): set(),
        reverse("matching:risk", args=[project_b.slug, address.pk]): set(),
        reverse("matching:reidentify", args=[project_b.slug, approved.pk]): set(),
    }
    wrong = []
    for role, user in people.items():
        verified_client(user)
        for url, allowed in urls.items():
            status = client.get(url).status_code
            expected = 200 if role in allowed else 404
            if status != expected:
                wrong.append((role, url, status, expected))
        # POSTs that change something: 404 for those without the permission, nothing changes.
        for url, allowed in {
            reverse("matching:run-cancel", args=[slug, run.pk]): {"pl", "analist"},
            reverse("matching:selection-close", args=[slug]): {"pl"},
            reverse("matching:proposal-decide", args=[slug, approved.pk]): PSEUDO,
        }.items():
            status = client.post(url, {"decision": "reject", "decision_reason": "x"}).status_code
            if (status == 404) == (role in allowed):
                wrong.append((role, url, status, "POST"))
        client.logout()
    assert wrong == []
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert client.get(reverse("matching:risks", args=[slug])).status_code in (302, 401, 403)


def test_risk_list_query_count_filters_and_no_addresses(
    client, verified_client, signal_project, analist_a, django_assert_num_queries
):
    verified_client(analist_a)
    url = reverse("matching:risks", args=[signal_project.slug])
    client.get(url)  # warm the session/permission caches the way a second request would
    # 1 session, 2 user, 3 OTP device, 4 project, 5-6 every permission of the person on it,
    # once (guardian with participation, convenant; ProjectScopedMixin): propose_selection,
    # run_matching and the project menu's permissions cost nothing more; 7 current run (with the
    # buurten of the filter, stored on it); 8 count; 9 page of addresses; 10–15 the processing
    # log, one bulk insert for all addresses of the page (savepoint, actor's organisation, chain
    # lock, last hash, insert, release); 16 proposals of the page (one query, not per row); 17
    # objections and corrections of the page's addresses (one query); 18 accepted deliveries the
    # run did not use ("the run predates the newest deliveries"; none here); 19–21 session save
    # (savepoint, update, release).
    with django_assert_num_queries(NUM_RISK_LIST_QUERIES):
        response = client.get(url, {"indicator": "SAMENLOOP_SIGNALEN", "order": "buurt"})
    assert response.status_code == 200
    body = response.content.decode()
    rows = RiskAddress.objects.filter(
        run__project=signal_project, run__is_current=True, is_risk=True
    )
    for address in rows:
        assert address.pseudonym in body
        assert address.address_key not in body
    assert "Niet geëvalueerd" in body and "Overbewoning" in body
    assert "5912" not in body  # no postcode of the sample leaks into the pseudonymised list
    # Filtering on an indicator that does not fire gives an empty list.
    response = client.get(url, {"indicator": "OVERBEWONING"})
    assert "Geen adressen voor deze filters" in response.content.decode()


NUM_RISK_LIST_QUERIES = 21


def test_propose_decide_reidentify_through_the_pages(
    client, verified_client, signal_project, analist_a, projectleider_a
):
    address = RiskAddress.objects.filter(
        run__project=signal_project, run__is_current=True, is_risk=True
    ).first()
    verified_client(analist_a)
    url = reverse("matching:risk", args=[signal_project.slug, address.pk])
    response = client.post(url, {"reason": ""})
    assert (
        response.status_code == 400
        and "utrecht-form-field-error-message" in response.content.decode()
    )
    assert not SelectionProposal.objects.exists()
    response = client.post(url, {"reason": "Twee partners melden onderverhuur"})
    assert response.status_code == 302
    proposal = SelectionProposal.objects.get()

    # The proposer cannot decide (no approve permission: the service says so beside the form).
    response = client.post(
        reverse("matching:proposal-decide", args=[signal_project.slug, proposal.pk]),
        {"decision": "approve", "decision_reason": "zelf"},
    )
    assert response.status_code == 400
    assert services.NOT_ALLOWED_DECIDE in response.content.decode()

    client.logout()
    verified_client(projectleider_a)
    response = client.post(
        reverse("matching:proposal-decide", args=[signal_project.slug, proposal.pk]),
        {"decision": "approve", "decision_reason": "Akkoord, plannen"},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == projectleider_a

    reidentify = reverse("matching:reidentify", args=[signal_project.slug, proposal.pk])
    response = client.post(reidentify, {"reason": ""})
    assert response.status_code == 400
    assert not ProcessingLogEntry.objects.filter(action="reidentify").exists()
    # Post/redirect/get: the confirmed re-identification redirects to its own page.
    response = client.post(reidentify, {"reason": "Planning controleavond"})
    assert response.status_code == 302
    reidentification = Reidentification.objects.get()
    assert response.url == reverse(
        "matching:reidentification", args=[signal_project.slug, reidentification.pk]
    )
    from datasharing.pseudonymisation import vault_lookup

    parts = vault_lookup(project=signal_project, address_key=proposal.address_key)
    shown = client.get(response.url)
    assert services.address_format(parts) in shown.content.decode()
    assert "Planning controleavond" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    # One confirmed re-identification: one Reidentification and one processing-log record
    # (action "reidentify"); its first showing writes none of its own.
    log = ProcessingLogEntry.objects.filter(data_subject_id=log_token(proposal.address_key))
    assert log.filter(action="reidentify").count() == 1
    assert log.filter(action="read").count() == 0
    assert Reidentification.objects.count() == 1


def test_runs_page_start_and_method_page(
    client, verified_client, signal_project, analist_a, projectleider_a
):
    verified_client(analist_a)
    response = client.get(reverse("matching:runs", args=[signal_project.slug]))
    assert "Matching starten" in response.content.decode()
    response = client.post(reverse("matching:runs", args=[signal_project.slug]))
    assert response.status_code == 302
    assert MatchingRun.objects.filter(project=signal_project).count() == 2
    response = client.get(reverse("matching:method", args=[signal_project.slug]))
    body = response.content.decode()
    for word in (
        "nationaliteit",
        "geboorteland",
        "etniciteit",
        "religie",
        "gezondheid",
        "geslacht",
    ):
        assert word in body
    assert "minder dan 12 m²" in body or "12 m²" in body
    client.logout()
    verified_client(projectleider_a)
    url = reverse("matching:settings", args=[signal_project.slug])
    form = {
        name: value
        for name, value in {
            "overbewoning_m2_per_person": 10,
            "leeg_min_kwh": 2000,
            "alleenstaand_min_other_adults": 1,
            "bedrijven_min_kvk": 3,
            "verhuis_min_inschrijvingen": 4,
            "verhuis_window_days": 365,
            "samenloop_min_partners": 2,
            "risk_threshold": 1,
        }.items()
    }
    for code in (
        "OVERBEWONING",
        "LEEG_MAAR_VERBRUIK",
        "ALLEENSTAAND_MET_VOLWASSENE",
        "HUURDER_NIET_INGESCHREVEN",
        "BEDRIJVEN_OP_WOONADRES",
        "VERHUISDYNAMIEK",
        "SAMENLOOP_SIGNALEN",
        "TOESLAGPARTNER_ELDERS",
    ):
        form[f"weight_{code}"] = 2 if code == "SAMENLOOP_SIGNALEN" else 1
        form[f"enabled_{code}"] = "on"
    form["nationaliteit"] = "NL"  # not a field: ignored, cannot become an indicator
    assert client.post(url, {**form, "overbewoning_m2_per_person": 0}).status_code == 400
    assert client.post(url, form).status_code == 302
    engine = services.indicator_settings_for(project=signal_project)
    assert engine.overbewoning_m2_per_person == 10 and engine.weight("SAMENLOOP_SIGNALEN") == 2
    assert "nationaliteit" not in engine.as_dict()
    body = client.get(reverse("matching:method", args=[signal_project.slug])).content.decode()
    assert "10 m²" in body


def test_navigation_offers_only_the_pages_one_may_open(client, verified_client, people, approved):
    """The project menu links only to the matching pages the person may open
    (tests/projects/test_navigation.py checks the whole menu for every role)."""
    slug = approved.project.slug
    links = {
        "Matchingruns": reverse("matching:runs", args=[slug]),
        "Risicolijst": reverse("matching:risks", args=[slug]),
        "Voordrachten": reverse("matching:proposals", args=[slug]),
        "Goedgekeurde selectie": reverse("matching:selection", args=[slug]),
        "Selectiemethode": reverse("matching:method", args=[slug]),
    }
    expected = {
        "pl": set(links),
        "analist": set(links) - {"Goedgekeurde selectie"},
        "inspecteur": {"Goedgekeurde selectie", "Selectiemethode"},
        "behandelaar": {"Selectiemethode"},
    }
    for role, names in expected.items():
        verified_client(people[role])
        page = links["Goedgekeurde selectie" if role == "inspecteur" else "Selectiemethode"]
        body = client.get(page).content.decode()
        start = body.index('class="wk-project-menu"')
        nav = body[start : body.index("</nav>", start)]
        shown = {name for name, url in links.items() if f'href="{url}"' in nav}
        assert shown == names, role
        for name in shown:  # every link offered opens
            assert client.get(links[name]).status_code == 200, (role, name)
        client.logout()


def test_run_status_fragment_polls_while_active_and_stops_when_done(
    client, verified_client, signal_project, analist_a
):
    """What htmx polls on the runs page: the fragment asks again every 2 s while the run is
    queued, and stops (with the way to the risk list) once it has finished."""
    run = services.matching_run_create(actor=analist_a, project=signal_project, chunk_count=2)
    verified_client(analist_a)
    url = reverse("matching:run-status", args=[signal_project.slug, run.pk])
    polling = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in polling and "Naar de risicolijst" not in polling
    services.matching_run_execute_inline(run=run)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "Naar de risicolijst" in done


def test_risk_list_says_its_run_predates_newer_deliveries_and_offers_a_new_run(
    client, verified_client, signal_project, analist_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from datasharing.models import DataRequest
    from datasharing.services import delivery_process, delivery_upload
    from tests.matching.conftest import SAMPLE_DIR, run_inline

    def deliver_again(source: str, kind: str, filename: str, extra: bytes) -> int:
        data_request = DataRequest.objects.get(
            project=signal_project, source=source, organisation__kind=kind
        )
        delivery = delivery_upload(
            actor=signal_project.deliverers[kind],
            data_request=data_request,
            file=SimpleUploadedFile(filename, (SAMPLE_DIR / filename).read_bytes() + extra),
            queue=False,
        )
        assert delivery_process(delivery_id=delivery.pk).status == "geaccepteerd"
        return delivery.pk

    url = reverse("matching:risks", args=[signal_project.slug])
    verified_client(analist_a)
    assert 'id="nieuwere-leveringen"' not in client.get(url).content.decode()
    # A newer eigendom delivery changes nothing for matching (no indicator reads it): no notice.
    deliver_again("eigendom", "gemeente", "eigendom.csv", b"5911QH;175;;;30123456;rechtspersoon;\n")
    assert 'id="nieuwere-leveringen"' not in client.get(url).content.decode()
    newer = deliver_again("signaal", "politie", "signaal_politie.csv", b"5911QH,135,,,overlast,\n")
    body = client.get(url).content.decode()
    assert 'id="nieuwere-leveringen"' in body
    assert f"(levering {newer})" in body and "Nieuwe matchingrun starten" in body
    assert f'action="{reverse("matching:runs", args=[signal_project.slug])}"' in body

    run_inline(actor=analist_a, project=signal_project)
    assert 'id="nieuwere-leveringen"' not in client.get(url).content.decode()
