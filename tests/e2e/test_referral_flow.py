"""A referral's outcome flows back (issue 12), in a real browser on a 768 × 1024 tablet.

Project A has two partner organisations, UWV and the Belastingdienst, and referrals of one
visit's findings to both (tests/controls/followup_world.py). The UWV behandelaar, logged in with
password and TOTP, sees on their start page and in their inbox only the referrals to UWV, never
the Belastingdienst's; opens the one in behandeling, is told beside the field that a
terugvordering needs its amount, then records it with its amount. The projectleider then sees
the terugvordering with that amount on the finding.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from controls.constants import ReferralStatus
from controls.models import Referral
from controls.services.referrals import AMOUNT_REQUIRED
from projects.constants import Role
from tests.access_setup import MatrixProject, intake_and_matching
from tests.controls.followup_world import matrix_followup_setup
from tests.e2e.conftest import assert_touch_targets
from tests.factories import member, otp_device_for, project_to_phase, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def followup(projectleider_a, gemeente_a, uwv, belastingdienst, project_a):
    """Project A with its evening, findings and the referrals of the access matrix's world."""
    analist = member(project_a, "analist_a", gemeente_a, Role.ANALIST)
    partner_analist = member(project_a, "analist_uwv", uwv, Role.ANALIST)
    behandelaar = member(project_a, "behandelaar_uwv", uwv, Role.BEHANDELAAR)
    from projects.services import project_partner_add
    from tests.factories import ConvenantFactory

    if not project_a.partners.filter(organisation=belastingdienst).exists():
        ConvenantFactory(organisation=belastingdienst)
        project_partner_add(actor=projectleider_a, project=project_a, organisation=belastingdienst)
    leverancier_bd = member(project_a, "leverancier_bd", belastingdienst, Role.LEVERANCIER)
    mp = MatrixProject(project_to_phase(project_a, "partners"))
    mp.extra["cast"] = {
        "projectleider": projectleider_a,
        "analist": analist,
        "partner_analist": partner_analist,
        "municipality": gemeente_a,
        "partner": uwv,
        # The second partner and its leverancier, who delivers its own file (issue 8 item 4).
        "partner_b": belastingdienst,
        "partner_b_leverancier": leverancier_bd,
    }
    intake_and_matching(mp)
    matrix_followup_setup(mp)
    assert mp.extra["handler"] == behandelaar
    return mp


def _login(page, live_server, user):
    device = otp_device_for(user)
    page.goto(live_server.url + "/inloggen/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/inloggen/tweede-factor/**")
    page.fill("#id_token", totp_now(device))
    page.click("main form.wk-form button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def _logout(page):
    page.click("header button:has-text('Uitloggen')")
    page.wait_for_url("**/inloggen/")


def test_uwv_sees_only_its_referrals_records_a_terugvordering_and_the_leader_sees_it(
    followup, live_server, browser_page
):
    page = browser_page
    extra = followup.extra
    mine = [extra["referral"], extra["referral_started"]]
    elsewhere = extra["referral_elsewhere"]  # to the Belastingdienst

    _login(page, live_server, extra["handler"])
    main = page.locator("main")
    for referral in mine:
        expect(main.get_by_role("link", name=f"Nr. {referral.pk}: Handhaving")).to_be_visible()
    expect(main.get_by_text(f"Nr. {elsewhere.pk}:")).to_have_count(0)
    assert_touch_targets(page)
    main.get_by_role("link", name="Alle doorverwijzingen aan uw organisatie").click()
    expect(page.locator("h1")).to_have_text("Doorverwijzingen aan UWV")
    expect(main.get_by_text(f"Nr. {elsewhere.pk}:")).to_have_count(0)
    assert_touch_targets(page)

    started = extra["referral_started"]
    main.get_by_role("link", name=f"Nr. {started.pk}: Handhaving").click()
    expect(page.locator("h1")).to_contain_text(f"Doorverwijzing {started.pk}")
    assert_touch_targets(page)
    page.select_option("#uitkomst_outcome", "terugvordering")
    page.get_by_role("button", name="Uitkomst vastleggen en afhandelen").click()
    expect(page.locator("#uitkomst_amount-fout")).to_have_text(AMOUNT_REQUIRED)
    page.fill("#uitkomst_amount", "1250,50")
    page.get_by_role("button", name="Uitkomst vastleggen en afhandelen").click()
    expect(main.get_by_text("De uitkomst is vastgelegd")).to_be_visible()
    expect(main.get_by_text(re.compile(r"Terugvordering: € 1250[.,]50"))).to_be_visible()
    started = Referral.objects.get(pk=started.pk)
    assert started.status == ReferralStatus.AFGEHANDELD
    assert str(started.outcome.amount) == "1250.50"
    # The Belastingdienst's referral is not there for UWV, also not by its address.
    url = f"{live_server.url}/controle/{followup.project.slug}/doorverwijzingen/{elsewhere.pk}/"
    assert page.goto(url).status == 404
    _logout(page)

    _login(page, live_server, extra["cast"]["projectleider"])
    page.goto(
        f"{live_server.url}/controle/{followup.project.slug}/bevindingen/{started.finding_id}/"
        "doorverwijzen/"
    )
    outcomes = page.locator("main ul.wk-referrals")
    expect(outcomes).to_contain_text("Handhaving aan UWV")
    expect(outcomes).to_contain_text(re.compile(r"Terugvordering: € 1250[.,]50"))
    expect(outcomes).to_contain_text("Afgehandeld")
    assert_touch_targets(page)
