"""From a partner's delivery to a re-identified address, in a real browser on a 768 × 1024 tablet.

The wijk-300 sample neighbourhood (tests/fixtures/wijk-300, byte-identical copies of
shared/samples/wijk-300) is delivered through the services, except the woningcorporatie's
huur.csv: its data steward uploads that one through the upload page, after a first file without
the required column `huurder_bsn` that is refused with nothing stored. Then, each person logged
in with password and TOTP:

1. an analist starts a matching run, waits for it, reads the pseudonymised risk list (no real
   address anywhere) and proposes the top risk address with a reason;
2. the projectleider, a second person, approves the proposal (four eyes), re-identifies it with a
   reason and sees the real address, which the processing log records once.

Touch targets of at least 44 px are checked on the risk list, the proposal pages, the approved
selection and the re-identification page.
"""

import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from datasharing.constants import DeliveryStatus
from datasharing.matching import services as matching
from datasharing.matching.models import (
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionProposal,
)
from datasharing.models import DataRequest, Delivery, HuurRecord
from datasharing.pseudonymisation import vault_lookup
from datasharing.services import data_request_create
from projects.constants import Role
from tests.e2e.conftest import assert_touch_targets
from tests.factories import (
    ConvenantFactory,
    OrganisationFactory,
    ProjectFactory,
    log_subject,
    log_token,
    member,
    otp_device_for,
    project_to_phase,
    totp_now,
)
from tests.matching.conftest import (
    SAMPLE_DIR,
    address_text_key,
    deliver,
    expected_fired,
    sample_buurtcodes,
)
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
SLOW = 60_000  # ms: a delivery or a matching run on a busy two-core machine
PSEUDONYM = re.compile(r"^[0-9A-F]{5}-[0-9A-F]{5}$")
META = json.loads((SAMPLE_DIR / "expected.json").read_text())["meta"]


@pytest.fixture
def wijk(projectleider_a, gemeente_a, uwv, belastingdienst, convenants):
    """Project A in the data-uitvraag with every wijk-300 partner (as tests/matching/conftest.py),
    all sample files delivered and accepted except huur.csv, whose data request to the
    woningcorporatie is open for the browser; an analist of the gemeente."""
    organisations = {"gemeente": gemeente_a, "uwv": uwv, "belastingdienst": belastingdienst}
    for kind, name, convenant in (
        ("svb", "SVB", "lsi"),
        ("politie", "Politie Eenheid Oost", "lsi"),
        ("woningcorporatie", "Woonstichting De Wijk", "aanvullend"),
    ):
        organisations[kind] = OrganisationFactory(name=name, kind=kind)
        ConvenantFactory(organisation=organisations[kind], kind=convenant)
    project = ProjectFactory(
        created_by=projectleider_a,
        partners=[org for kind, org in organisations.items() if kind != "gemeente"],
        peildatum=date(2026, 10, 1),
        buurtcodes=sample_buurtcodes(),
    )
    project = project_to_phase(project, "data_uitvraag")
    deliverers = {"gemeente": projectleider_a}
    for kind, organisation in organisations.items():
        if kind != "gemeente":
            deliverers[kind] = member(project, f"lever_{kind}", organisation, Role.ANALIST)
    deliver(
        project=project,
        projectleider=projectleider_a,
        organisations=organisations,
        deliverers=deliverers,
        skip=("huur",),
    )
    huur_request = data_request_create(
        actor=projectleider_a,
        project=project,
        organisation=organisations["woningcorporatie"],
        source="huur",
        legal_ground="Art. 64 Wet SUWI; aanvullend convenant woningcorporatie",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    return SimpleNamespace(
        project=project,
        huur_request=huur_request,
        steward=deliverers["woningcorporatie"],
        analist=member(project, "analist_a", gemeente_a, Role.ANALIST),
        projectleider=projectleider_a,
    )


# --- helpers ---------------------------------------------------------------------------------


def _login(page, live_server, user):
    """Password, then the current code of the person's authenticator app."""
    device = otp_device_for(user)
    page.goto(live_server.url + "/inloggen/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/inloggen/tweede-factor/**")
    page.fill("#id_token", totp_now(device))
    page.click("main form.wk-form button[type=submit]")
    page.wait_for_url(live_server.url + "/")  # the start page of the person's work


def _logout(page):
    page.click("header button:has-text('Uitloggen')")
    page.wait_for_url("**/inloggen/")


def _open_project(page, project):
    page.locator("header").get_by_role("link", name="Mijn projecten").click()
    page.get_by_role("link", name=project.name, exact=True).click()
    expect(page.locator("h1")).to_have_text(project.name)


def _without_column(content: bytes, column: str) -> bytes:
    """The same ';'-separated CSV without one column (a partner's extract that forgot it)."""
    lines = content.decode("utf-8-sig").splitlines()
    drop = [name.strip().lower() for name in lines[0].split(";")].index(column)
    kept = [";".join(c for i, c in enumerate(line.split(";")) if i != drop) for line in lines]
    return ("\r\n".join(kept) + "\r\n").encode()


def _upload(page, name: str, content: bytes) -> int:
    """From the data request list: 'Bestand leveren' for Huurcontracten, choose the file, submit.
    Returns the id of the delivery whose page the browser lands on once it is processed."""
    page.locator("tbody tr", has_text="Huurcontracten").get_by_role(
        "link", name="Bestand leveren"
    ).click()
    expect(page.locator("h1")).to_have_text("Bestand leveren: Huurcontracten")
    page.set_input_files("#id_file", {"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Leveren").click()
    page.wait_for_url(re.compile(r"/gegevens/leveringen/\d+/$"))
    # Processing runs after commit; the page polls until it is done, then reloads.
    expect(page.locator("#levering-status")).not_to_contain_text("Wordt verwerkt", timeout=SLOW)
    expect(page.locator("#levering-status")).not_to_contain_text("Ontvangen", timeout=SLOW)
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def _real_postcodes() -> set[str]:
    """Every postcode of the project area, normalised (1234AB), from the sample BAG file."""
    lines = (SAMPLE_DIR / "bag.csv").read_text(encoding="utf-8-sig").splitlines()
    column = lines[0].split(",").index("postcode")
    return {line.split(",")[column].replace(" ", "").upper() for line in lines[1:]}


def _assert_no_real_address(text: str) -> None:
    shown = {pc for pc in _real_postcodes() if pc in text or f"{pc[:4]} {pc[4:]}" in text}
    assert shown == set()


def _wait_for_run(page):
    """The runs page after 'Matching starten': a run still active polls its status fragment."""
    active = page.locator(".wk-run-status")
    if active.count():
        expect(active.get_by_role("link", name="Naar de risicolijst")).to_be_visible(timeout=SLOW)
        page.reload()
    expect(page.locator("table tbody tr").first).to_contain_text("Voltooid")


# --- the flow --------------------------------------------------------------------------------


def test_delivery_matching_four_eyes_and_reidentification(live_server, browser_page, wijk):
    page, project = browser_page, wijk.project
    huur = (SAMPLE_DIR / "huur.csv").read_bytes()

    # 1. The woningcorporatie's data steward delivers huur.csv on the request to that organisation.
    _login(page, live_server, wijk.steward)
    _open_project(page, project)
    page.locator("#gegevensdeling").get_by_role("link", name="Uitvragen en leveringen").click()
    expect(page.locator("h1")).to_have_text("Gegevensuitvraag en leveringen")
    # Only the requests addressed to the own organisation (huur and signaal) can be delivered.
    expect(page.get_by_role("link", name="Bestand leveren")).to_have_count(2)

    # A first extract without the required column huurder_bsn: refused, nothing stored.
    refused = _upload(page, "huur-zonder-bsn.csv", _without_column(huur, "huurder_bsn"))
    expect(page.locator("#levering-status")).to_contain_text("Status: Afgewezen")
    refusal = page.locator("#afwijzing")
    expect(refusal).to_contain_text("De levering is afgewezen; er is niets opgeslagen.")
    expect(refusal).to_contain_text("Verplichte kolom 'huurder_bsn' ontbreekt.")
    delivery = Delivery.objects.get(pk=refused)
    assert delivery.status == DeliveryStatus.AFGEWEZEN and delivery.valid_rows == 0
    assert not delivery.raw_file  # the raw upload is gone as well (R17)
    assert not HuurRecord.objects.filter(delivery_id=refused).exists()
    assert DataRequest.objects.get(pk=wijk.huur_request.pk).status == "open"

    # The corrected file, the real sample: accepted, every row stored pseudonymised.
    page.get_by_role("link", name="Alle uitvragen").click()
    accepted = _upload(page, "huur.csv", huur)
    rows = META["rows"]["huur.csv"]
    expect(page.locator("#levering-status")).to_contain_text("Status: Geaccepteerd")
    expect(page.get_by_role("status").filter(has_text="De levering is geaccepteerd")).to_have_text(
        f"De levering is geaccepteerd: {rows} rijen zijn gepseudonimiseerd opgeslagen."
    )
    expect(page.locator("#levering-rijen")).to_have_text(
        f"{rows} in het bestand, {rows} opgeslagen, 0 ongeldig"
    )
    assert HuurRecord.objects.filter(delivery_id=accepted).count() == rows
    assert not HuurRecord.objects.filter(delivery_id=refused).exists()
    assert DataRequest.objects.get(pk=wijk.huur_request.pk).status == "geleverd"
    _logout(page)

    # 2. The analist runs the matching and proposes the top risk address.
    _login(page, live_server, wijk.analist)
    _open_project(page, project)
    page.locator(".wk-project-menu").get_by_role("link", name="Matchingruns").click()
    page.get_by_role("button", name="Matching starten").click()
    expect(page.locator(".wk-messages")).to_contain_text("De matchingrun is gestart.")
    _wait_for_run(page)
    run = MatchingRun.objects.get(project=project)
    assert run.status == "succeeded" and run.is_current
    assert (run.address_count, run.risk_address_count) == (
        META["addresses"],
        META["risk_addresses"],
    )
    expect(page.locator("table tbody tr").first).to_contain_text(
        f"{META['addresses']} / {META['risk_addresses']}"
    )

    page.locator(".wk-project-menu").get_by_role("link", name="Risicolijst").click()
    expect(page.locator("main")).to_contain_text(
        f"{META['risk_addresses']} risicoadressen van {META['addresses']} adressen"
    )
    first = page.locator("table tbody tr").first.locator("td").first
    pseudonym = first.inner_text().strip()
    assert PSEUDONYM.match(pseudonym), pseudonym
    _assert_no_real_address(page.locator("main").inner_text())
    assert_touch_targets(page)

    first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(f"Adres {pseudonym}")
    _assert_no_real_address(page.locator("main").inner_text())
    assert_touch_targets(page)
    page.fill("#id_reason", "Meerdere indicatoren; controle ter plaatse voorstellen")
    page.get_by_role("button", name="Voordragen").click()
    expect(page.locator(".wk-messages")).to_contain_text(
        f"Adres {pseudonym} is voorgedragen door u op"
    )
    expect(page.locator("tbody tr", has_text=pseudonym)).to_contain_text("Voorgedragen")
    proposal = SelectionProposal.objects.get(project=project)
    assert (proposal.pseudonym, proposal.status, proposal.proposed_by) == (
        pseudonym,
        "proposed",
        wijk.analist,
    )

    # The proposer cannot decide on the own proposal: no decision form on this page.
    page.locator(".wk-project-menu").get_by_role("link", name="Voordrachten").click()
    card = page.locator("article", has_text=pseudonym)
    expect(card.locator(".wk-proposer")).to_contain_text(str(wijk.analist))
    expect(card.get_by_role("button", name="Goedkeuren")).to_have_count(0)
    assert_touch_targets(page)
    _logout(page)

    # 3. The projectleider approves (four eyes), then re-identifies with a reason.
    _login(page, live_server, wijk.projectleider)
    _open_project(page, project)
    page.locator(".wk-project-menu").get_by_role("link", name="Voordrachten").click()
    card = page.locator("article", has_text=pseudonym)
    expect(card).to_contain_text("Meerdere indicatoren; controle ter plaatse voorstellen")
    assert_touch_targets(page)
    card.locator("textarea[name=decision_reason]").fill("Akkoord: opnemen in de controleavond")
    card.get_by_role("button", name="Goedkeuren").click()
    expect(page.locator(".wk-messages")).to_contain_text(
        f"Voorstel goedgekeurd: adres {pseudonym}, voorgedragen door {wijk.analist}."
    )
    # The four-eyes record names each person in their own role (issue 9 item 1).
    decided = page.locator("article", has_text=pseudonym)
    expect(decided.locator(".wk-proposer")).to_contain_text(str(wijk.analist))
    expect(decided.locator(".wk-decider")).to_contain_text(str(wijk.projectleider))
    assert_touch_targets(page)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("approved", wijk.projectleider)

    parts = vault_lookup(project=project, address_key=proposal.address_key)
    real_address = matching.address_format(parts)
    _open_project(page, project)
    page.locator(".wk-project-menu").get_by_role("link", name="Goedgekeurde selectie").click()
    row = page.locator("article", has_text=pseudonym)
    expect(page.locator("main")).not_to_contain_text(real_address)
    assert_touch_targets(page)
    row.get_by_role("link", name="Toon adres").click()
    expect(page.locator("h1")).to_have_text(f"Adres van {pseudonym}")
    expect(page.locator("main")).not_to_contain_text(real_address)
    assert_touch_targets(page)
    assert not ProcessingLogEntry.objects.filter(action="reidentify").exists()
    page.fill("#id_reason", "Planning controleavond")
    page.get_by_role("button", name="Toon adres").click()
    # Post/redirect/get: the address is on the re-identification's own page.
    page.wait_for_url(re.compile(r"/herleidingen/\d+/$"))
    reidentification = Reidentification.objects.get(proposal=proposal)
    assert page.url == live_server.url + reverse(
        "matching:reidentification", args=[project.slug, reidentification.pk]
    )
    expect(page.locator(".wk-address")).to_have_text(real_address)
    expect(page.locator("#herleiding-reden")).to_have_text("Planning controleavond")
    assert_touch_targets(page)
    assert page.locator(".wk-address").inner_text().replace(" ", "")[:6] in _real_postcodes()
    expect(page.locator("main")).to_contain_text(
        "Deze herleiding is vastgelegd in het verwerkingenlogboek"
    )

    # A reload shows the address again: no second re-identification and no second "reidentify"
    # record, but one "read" record of its own (R21: every showing is logged).
    page.reload()
    expect(page.locator(".wk-address")).to_have_text(real_address)
    assert Reidentification.objects.filter(proposal=proposal).count() == 1
    reads = ProcessingLogEntry.objects.filter(
        action="read", data_subject_id=log_token(proposal.address_key)
    )
    assert reads.count() == 1

    # Exactly one processing log record, for this address, this person and this ground.
    log = ProcessingLogEntry.objects.filter(action="reidentify", project=project)
    assert log.count() == 1
    entry = log.get()
    assert (entry.actor, entry.ground, log_subject(entry)) == (
        wijk.projectleider,
        "reidentification",
        proposal.address_key,
    )
    assert (reidentification.actor, reidentification.reason) == (
        wijk.projectleider,
        "Planning controleavond",
    )
    assert reidentification.processing_log_operation_id == entry.operation_id
    # The address selected under four eyes is a risk address of expected.json, with the
    # indicators the contract says fire there.
    risk = RiskAddress.objects.get(run=run, pseudonym=pseudonym)
    assert sorted(risk.fired) == sorted(expected_fired()[address_text_key(parts)])
