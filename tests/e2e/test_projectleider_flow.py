"""A projectleider takes a project from initiatie to data-uitvraag in a real browser, on a
768 × 1024 tablet: a first login without a device (ask for an enrolment link), enrolment
through the link (QR code, first code, recovery codes), login with TOTP, every form through
the pages, a refused advance with its reason, and touch targets of at least 44 px on the
project page."""

from base64 import b32decode
from datetime import date

from django.urls import reverse

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from projects import gates
from projects.constants import Phase
from projects.models import Project
from tests.e2e.conftest import assert_touch_targets
from tests.factories import OrganisationFactory, minimal_pdf
from wijkaanpak.core.constants import RECOVERY_CODE_COUNT
from wijkaanpak.core.services import enrolment_link_issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
PDF = minimal_pdf()


def _pdf(name="document.pdf"):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _submit(page):
    page.click("main form.wk-form button[type=submit]")


def _log_in_with_password(page, live_server, person):
    page.goto(live_server.url + "/inloggen/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    _submit(page)


def _next_code(device) -> str:
    """The app's code of the next 30-s step: the current one was used at enrolment (a replay
    is refused), and the verifier accepts one step of clock drift."""
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + 1
    )
    return f"{code:0{device.digits}d}"


def _advance(page):
    page.click("#naar-volgende-fase")
    page.wait_for_load_state()


def test_projectleider_runs_a_project_to_data_uitvraag(
    live_server, browser_page, projectleider_a, convenants
):
    page = browser_page
    OrganisationFactory(name="Woonstichting Aadorp", kind="woningcorporatie")
    OrganisationFactory(name="UWV", kind="uwv")

    # First login without a device: one page that says to ask for an enrolment link.
    _log_in_with_password(page, live_server, projectleider_a)
    assert page.locator("h1").inner_text() == "U heeft een koppellink nodig"
    assert "otpauth" not in page.content()
    page.click("header button:has-text('Uitloggen')")

    # The functioneel beheerder issues a link; the projectleider opens it, logs in with the
    # password, scans the QR code (here: reads the secret as the app would) and confirms.
    issued = enrolment_link_issue(actor=None, person=projectleider_a)
    page.goto(live_server.url + reverse("enrolment-link", kwargs={"token": issued.token}))
    assert issued.token not in page.url  # on the login page, `next` has no token
    page.fill("#id_username", projectleider_a.username)
    page.fill("#id_password", PASSWORD)
    _submit(page)
    assert page.locator("h1").inner_text() == "Authenticator-app koppelen"
    assert page.locator(".wk-qr img").is_visible()
    assert_touch_targets(page)
    secret = page.locator("#totp-sleutel").inner_text()
    page.fill("#id_token", f"{totp(b32decode(secret)):06d}")
    _submit(page)
    assert page.locator("h1").inner_text() == "Uw authenticator-app is gekoppeld"
    assert page.locator("#herstelcodes li").count() == RECOVERY_CODE_COUNT
    assert_touch_targets(page)
    page.click("text=naar Mijn projecten")
    assert page.locator("h1").inner_text() == "Mijn projecten"

    # The next login: password, then the code from the app.
    page.click("header button:has-text('Uitloggen')")
    device = TOTPDevice.objects.get(user=projectleider_a, confirmed=True)
    _log_in_with_password(page, live_server, projectleider_a)
    assert "/inloggen/tweede-factor/" in page.url
    device.refresh_from_db()
    page.fill("#id_token", _next_code(device))
    _submit(page)
    assert page.locator("h1").inner_text() == "Mijn projecten"

    # Nieuw project.
    page.click("text=Nieuw project")
    page.fill("#id_name", "Wijkaanpak Tabletwijk")
    page.fill("#id_problem_analysis", "Overbewoning en adresfraude.")
    page.fill("#id_buurtcodes", "BU00010001")
    page.fill("#id_period_start", "2026-01-01")
    page.fill("#id_period_end", "2026-12-31")
    page.fill("#id_peildatum", "2026-03-01")
    _submit(page)
    assert page.locator("h1").inner_text() == "Wijkaanpak Tabletwijk"
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    detail = page.url
    assert_touch_targets(page)

    _advance(page)  # initiatie → collegebesluit
    assert "Het project is nu in fase 'Collegebesluit'." in page.content()
    # Refused: no collegebesluit yet. The reason is shown, nothing changes.
    _advance(page)
    alert = page.locator(".utrecht-alert--error").inner_text()
    assert gates.MISSING_COLLEGEBESLUIT in alert
    assert Project.objects.get(slug=slug).phase == Phase.COLLEGEBESLUIT

    # Collegebesluit with its PDF.
    page.click("a[href$='/collegebesluit/']")
    page.fill("#id_date", "2026-01-15")
    page.fill("#id_reference", "CB-2026-12")
    page.set_input_files("#id_document", _pdf("besluit.pdf"))
    page.check("#id_capacity_settled")
    page.check("#id_data_permission")
    _submit(page)
    assert page.url == detail
    _advance(page)  # → projectplan

    # Projectvoorstel with the LSI's instemming, then a plan version, adopted.
    page.click("a[href$='/projectvoorstel/']")
    page.fill("#id_submitted_on", "2026-01-20")
    page.set_input_files("#id_document", _pdf("voorstel.pdf"))
    page.fill("#id_lsi_instemming_date", "2026-02-01")
    page.fill("#id_lsi_instemming_reference", "LSI-2026-3")
    _submit(page)
    page.click("a[href$='/projectplan/nieuw/']")
    for field in (
        "goals",
        "approach",
        "indicators_rationale",
        "data_per_partner",
        "planning",
        "communication",
        "retention",
    ):
        page.fill(f"#id_{field}", f"Tekst voor {field}")
    _submit(page)
    page.click("text=Versie 1 vaststellen")
    assert "Versie 1 van het projectplan is vastgesteld." in page.content()
    _advance(page)  # → partners

    # Partners: a woningcorporatie joins with an aanvullend convenant (htmx swaps the list).
    page.click("a[href^='/partners/'][href$='/']:has-text('Partners en convenanten')")
    page.select_option("#id_organisation", label="Woonstichting Aadorp")
    _submit(page)
    page.wait_for_selector("text=Woonstichting Aadorp neemt nu deel aan het project")
    page.click("text=Convenant registreren voor Woonstichting Aadorp")
    page.select_option("#id_kind", "aanvullend")
    page.fill("#id_reference", "AC-2026-1")
    page.fill("#id_valid_from", "2026-01-01")
    page.set_input_files("#id_document", _pdf("convenant.pdf"))
    _submit(page)
    assert "Het convenant van Woonstichting Aadorp is geregistreerd." in page.content()
    page.goto(detail)
    # Refused again: the DPIA is missing.
    _advance(page)
    assert gates.MISSING_DPIA in page.locator(".utrecht-alert--error").inner_text()

    page.click("a[href$='/dpia/']")
    page.check("#id_vastgesteld")
    page.fill("#id_date", "2026-02-10")
    page.fill("#id_reference", "DPIA-2026-1")
    _submit(page)
    assert "Alles is aanwezig" in page.content()
    _advance(page)  # → data_uitvraag
    assert "Het project is nu in fase 'Data-uitvraag en intake'." in page.content()
    assert page.locator('[aria-current="step"]').inner_text().startswith("5")

    project = Project.objects.get(slug=slug)
    assert project.phase == Phase.DATA_UITVRAAG
    assert [t.to_phase for t in project.transitions.all()] == [
        "collegebesluit",
        "projectplan",
        "partners",
        "data_uitvraag",
    ]
    assert project.collegebesluiten.get().date == date(2026, 1, 15)
    # History and touch targets on the final project page, at 768 px.
    assert page.locator("#faseovergangen tbody tr").count() == 4
    assert_touch_targets(page)
