"""Out-of-band second-factor enrolment (security R8, R9, R11): a one-time, expiring link from a
functional administrator, redeemed by its own person after the password; recovery codes shown
once and usable once; the link's token never stored or logged in clear."""

import io
import logging
import re
import threading
import time
from base64 import b32decode
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone as real_timezone

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory, otp_device_for, totp_now
from tests.security.test_errors_and_caching import console_log
from wijkaanpak.core import services
from wijkaanpak.core.auth_views import OTP_INVALID
from wijkaanpak.core.constants import RECOVERY_CODE_COUNT, EnrolmentLinkState
from wijkaanpak.core.exceptions import ApplicationError, NotPermitted
from wijkaanpak.core.management.commands.enrolment_link_issue import UNKNOWN_USERNAME
from wijkaanpak.core.models import EnrolmentLink, Event

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
SECRET_ON_PAGE = re.compile(r'id="totp-sleutel">([A-Z2-7]+)<')
CODES_ON_PAGE = re.compile(r'<code class="wk-secret">([a-z2-7]{8})</code>')


def _grant(person, *codenames):
    person.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def beheerder(gemeente_a):
    """A functional administrator: staff who may issue enrolment links and edit people."""
    person = UserFactory(username="beheerder", organisation=gemeente_a, is_staff=True)
    _grant(person, "add_enrolmentlink", "view_enrolmentlink", "view_user", "change_user")
    otp_device_for(person)
    return person


@pytest.fixture
def person(gemeente_a):
    return UserFactory(username="nieuwkomer", organisation=gemeente_a)


def _login(client, person):
    response = client.post(reverse("login"), {"username": person.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return response


def _link(token: str) -> str:
    return reverse("enrolment-link", kwargs={"token": token})


def _app_code(body: str) -> str:
    """The code an authenticator app shows for the secret on the set-up page."""
    secret = SECRET_ON_PAGE.search(body).group(1)
    return f"{totp(b32decode(secret)):06d}"


def _open_and_log_in(client, token, person):
    """Open the link anonymously, then log in: lands on the set-up page (its response)."""
    response = client.get(_link(token))
    assert response.status_code == 302 and response.url == reverse("enrolment")
    response = client.get(response.url)
    # The login page's `next` is the URL without the token.
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=" + reverse("enrolment")
    response = client.post(
        response.url, {"username": person.username, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302 and response.url == reverse("enrolment")
    return client.get(reverse("enrolment"))


def _enrol(client, token, person) -> list[str]:
    """The whole enrolment through the pages; returns the recovery codes shown."""
    body = _open_and_log_in(client, token, person).content.decode()
    response = client.post(reverse("enrolment"), {"token": _app_code(body)})
    assert response.status_code == 200
    return CODES_ON_PAGE.findall(response.content.decode())


def _assert_refused(response):
    assert response.status_code == 404
    body = response.content.decode()
    assert services.ENROLMENT_LINK_INVALID in body
    assert "otpauth://" not in body and "totp-sleutel" not in body and "data:image" not in body


def _issued_hours_ago(monkeypatch, hours: float, **kwargs):
    """Issue a link with the services' clock `hours` back (the rest of Django keeps time)."""

    class Clock:
        def now(self):
            return real_timezone.now() - timedelta(hours=hours)

    with monkeypatch.context() as patch:
        patch.setattr(services, "timezone", Clock())
        return services.enrolment_link_issue(**kwargs)


# --- issuing -------------------------------------------------------------------------------


def test_issue_stores_only_the_hash_expires_in_24h_and_writes_who_for_whom(beheerder, person):
    before = real_timezone.now()
    issued = services.enrolment_link_issue(actor=beheerder, person=person)

    link = EnrolmentLink.objects.get()
    assert link == issued.link and link.person == person and link.issued_by == beheerder
    assert len(issued.token) >= 43  # 256 random bits
    assert link.token_hash == services.enrolment_token_hash(issued.token) != issued.token
    assert link.state == EnrolmentLinkState.OPEN
    assert (
        before + timedelta(hours=24) <= link.expires_at <= real_timezone.now() + timedelta(hours=24)
    )
    # The authenticator to be set up exists, unconfirmed: the OTP step does not take it.
    assert link.device.user == person and not link.device.confirmed
    event = Event.objects.get(kind="enrolment_link_issued")
    assert event.actor == beheerder and event.object_id == str(link.pk)
    assert event.data["person"] == person.pk and event.data["issued_by"] == beheerder.pk
    assert issued.token not in repr(event.data)


def test_only_a_functional_administrator_issues_and_only_for_an_active_person(
    beheerder, person, gemeente_a
):
    staff_without_permission = UserFactory(username="staf", organisation=gemeente_a, is_staff=True)
    not_staff = UserFactory(username="geen_staf", organisation=gemeente_a)
    _grant(not_staff, "add_enrolmentlink")
    for actor in (staff_without_permission, not_staff, person):
        with pytest.raises(NotPermitted) as error:
            services.enrolment_link_issue(actor=actor, person=person)
        assert error.value.message == services.ENROLMENT_NOT_ADMINISTRATOR
    person.is_active = False
    person.save()
    with pytest.raises(ApplicationError) as error:
        services.enrolment_link_issue(actor=beheerder, person=person)
    assert error.value.message == services.ENROLMENT_PERSON_INACTIVE.format(persoon=person)
    assert not EnrolmentLink.objects.exists() and not Event.objects.exists()


def test_a_new_link_supersedes_the_open_one(client, beheerder, person):
    first = services.enrolment_link_issue(actor=beheerder, person=person)
    second = services.enrolment_link_issue(actor=beheerder, person=person)
    first.link.refresh_from_db()
    assert first.link.state == EnrolmentLinkState.SUPERSEDED and first.link.device is None
    assert TOTPDevice.objects.filter(user=person).get() == second.link.device
    assert Event.objects.get(pk=Event.objects.order_by("-id")[0].pk).data["superseded_links"] == [
        first.link.pk
    ]

    _assert_refused(_open_and_log_in(client, first.token, person))
    client.post(reverse("logout"))
    assert len(_enrol(client, second.token, person)) == RECOVERY_CODE_COUNT


# --- the person's side: the link, the password, the set-up ----------------------------------


def test_enrolment_through_the_link_after_the_password(client, beheerder, person):
    issued = services.enrolment_link_issue(actor=beheerder, person=person)

    response = _open_and_log_in(client, issued.token, person)
    assert response.status_code == 200
    body = response.content.decode()
    device = issued.link.device
    assert 'src="data:image/svg+xml;base64,' in body
    assert "otpauth://totp/Wijkaanpak%3Anieuwkomer?secret=" in body
    assert SECRET_ON_PAGE.search(body)
    # Reloading shows the same secret (the QR code stays valid), and makes no new device.
    assert _app_code(client.get(reverse("enrolment")).content.decode()) == _app_code(body)
    assert TOTPDevice.objects.filter(user=person).count() == 1
    # Until the code is confirmed the session is password-only: no other page.
    assert client.get(reverse("projects:list")).url == reverse("otp-enrolment-needed")

    response = client.post(reverse("enrolment"), {"token": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [services.ENROLMENT_CODE_INVALID]
    # Throttled (R9), and the throttling survived the refusal: right after a wrong code even
    # the right one is refused for a while.
    response = client.post(reverse("enrolment"), {"token": _app_code(body)})
    assert response.context["form"].errors["token"] == [services.ENROLMENT_CODE_INVALID]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the wrong code's failure was kept
    device.throttle_reset()  # the throttle delay has passed
    key_before = client.session.session_key

    response = client.post(reverse("enrolment"), {"token": _app_code(body)})

    assert response.status_code == 200
    codes = CODES_ON_PAGE.findall(response.content.decode())
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert client.session.session_key != key_before  # R11: new key after the second factor
    assert client.get(reverse("projects:list")).status_code == 200  # verified
    device.refresh_from_db()
    assert device.confirmed
    issued.link.refresh_from_db()
    assert issued.link.state == EnrolmentLinkState.USED and issued.link.used_at
    event = Event.objects.get(kind="enrolment_link_redeemed")
    assert event.actor == person and event.to_state == EnrolmentLinkState.USED
    assert event.data["recovery_codes"] == RECOVERY_CODE_COUNT


def test_a_used_link_is_refused(client, beheerder, person):
    issued = services.enrolment_link_issue(actor=beheerder, person=person)
    _enrol(client, issued.token, person)
    client.post(reverse("logout"))

    _assert_refused(_open_and_log_in(client, issued.token, person))
    with pytest.raises(ApplicationError) as error:
        services.enrolment_link_redeem(actor=person, link=issued.link, code="123456")
    assert error.value.message == services.ENROLMENT_LINK_INVALID


@pytest.mark.parametrize(("hours", "works"), [(23.9, True), (24.01, False)])
def test_a_link_expires_after_24_hours(client, monkeypatch, beheerder, person, hours, works):
    issued = _issued_hours_ago(monkeypatch, hours, actor=beheerder, person=person)
    response = _open_and_log_in(client, issued.token, person)
    if works:
        assert response.status_code == 200 and SECRET_ON_PAGE.search(response.content.decode())
        return
    _assert_refused(response)
    with pytest.raises(ApplicationError) as error:
        services.enrolment_link_redeem(
            actor=person, link=issued.link, code=totp_now(issued.link.device)
        )
    assert error.value.message == services.ENROLMENT_LINK_INVALID
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def test_another_persons_link_is_refused_like_an_unknown_one(client, beheerder, person, gemeente_a):
    other = UserFactory(username="collega", organisation=gemeente_a)
    issued = services.enrolment_link_issue(actor=beheerder, person=person)

    unknown = _open_and_log_in(client, "onbekend-" + "x" * 40, other)
    client.post(reverse("logout"))
    someone_elses = _open_and_log_in(client, issued.token, other)

    _assert_refused(unknown)
    _assert_refused(someone_elses)
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(unknown.content.decode()).group(0) == main.search(
        someone_elses.content.decode()
    ).group(0)
    # Posting a code for it is refused the same way, and makes no device for anyone.
    _assert_refused(client.post(reverse("enrolment"), {"token": totp_now(issued.link.device)}))
    with pytest.raises(ApplicationError) as error:
        services.enrolment_link_redeem(
            actor=other, link=issued.link, code=totp_now(issued.link.device)
        )
    assert error.value.message == services.ENROLMENT_LINK_INVALID
    assert not TOTPDevice.objects.filter(confirmed=True).exclude(user=beheerder).exists()
    # The link still works for its own person.
    client.post(reverse("logout"))
    assert len(_enrol(client, issued.token, person)) == RECOVERY_CODE_COUNT


def test_recovery_codes_are_shown_once_and_each_works_once(client, beheerder, person):
    issued = services.enrolment_link_issue(actor=beheerder, person=person)
    codes = _enrol(client, issued.token, person)
    assert len(codes) == RECOVERY_CODE_COUNT
    # Not shown again: not on the set-up page, not in the session.
    _assert_refused(client.get(reverse("enrolment")))
    session = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert not any(code in repr(session) for code in codes)
    client.post(reverse("logout"))

    first, second = codes[:2]
    _login(client, person)
    response = client.post(reverse("otp-verify"), {"token": first.upper()})  # typed in capitals
    assert response.status_code == 302 and response.url == reverse("projects:start")
    assert client.get(reverse("projects:list")).status_code == 200
    client.post(reverse("logout"))

    _login(client, person)
    response = client.post(reverse("otp-verify"), {"token": first})
    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [OTP_INVALID]
    for device in StaticDevice.objects.filter(user=person):
        device.throttle_reset()
    for device in TOTPDevice.objects.filter(user=person):
        device.throttle_reset()
    response = client.post(reverse("otp-verify"), {"token": second})
    assert response.status_code == 302
    assert StaticToken.objects.filter(device__user=person).count() == RECOVERY_CODE_COUNT - 2


def test_re_enrolment_replaces_the_old_devices_when_redeemed(client, beheerder, person):
    old_phone = otp_device_for(person)
    old_codes = StaticDevice.objects.create(user=person, name="oud", confirmed=True)
    old_codes.token_set.create(token="oudecode")
    issued = services.enrolment_link_issue(actor=beheerder, person=person)
    # Until the new link is redeemed the old phone still works.
    _login(client, person)
    response = client.post(reverse("otp-verify"), {"token": totp_now(old_phone)})
    assert response.status_code == 302
    client.post(reverse("logout"))

    _enrol(client, issued.token, person)

    assert list(TOTPDevice.objects.filter(user=person)) == [issued.link.device]
    assert not StaticToken.objects.filter(token="oudecode").exists()
    assert StaticDevice.objects.filter(user=person).count() == 1
    assert Event.objects.get(kind="enrolment_link_redeemed").data["replaced_totp_devices"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_redeems_of_one_link_at_once_exactly_one_succeeds(monkeypatch, gemeente_a):
    person = UserFactory(username="gelijktijdig", organisation=gemeente_a)
    issued = services.enrolment_link_issue(actor=None, person=person)
    code = totp_now(issued.link.device)
    # Widen the window between reading the link and marking it used: without the row lock
    # both redeems would read an open link and both would confirm a device.
    verify = TOTPDevice.verify_token

    def slow_verify(self, token):
        time.sleep(0.3)
        return verify(self, token)

    monkeypatch.setattr(TOTPDevice, "verify_token", slow_verify)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem():
        try:
            barrier.wait(timeout=10)
            enrolment = services.enrolment_link_redeem(actor=person, link=issued.link, code=code)
            outcomes.append(f"ok {len(enrolment.recovery_codes)}")
        except ApplicationError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == sorted(
        [f"ok {RECOVERY_CODE_COUNT}", services.ENROLMENT_LINK_INVALID]
    )
    assert StaticDevice.objects.filter(user=person).count() == 1
    assert StaticToken.objects.filter(device__user=person).count() == RECOVERY_CODE_COUNT
    assert Event.objects.filter(kind="enrolment_link_redeemed").count() == 1


# --- the functional administrator's side: the admin and the command line --------------------


def test_admin_issues_a_link_from_the_persons_page_and_shows_it_once(
    client, verified_client, beheerder, person
):
    verified_client(beheerder)
    change = reverse("admin:partners_user_change", args=[person.pk])
    issue = reverse("admin:partners_user_enrolment_link", args=[person.pk])
    assert f'href="{issue}"' in client.get(change).content.decode()  # the button

    response = client.get(issue)  # asks first; issues nothing on GET
    assert response.status_code == 200 and not EnrolmentLink.objects.exists()
    response = client.post(issue)
    assert response.status_code == 200
    body = response.content.decode()
    url = re.search(r'<code id="koppellink">([^<]+)</code>', body).group(1)
    token = url.rsplit("/", 2)[-2]
    assert url == "http://testserver" + _link(token)
    link = EnrolmentLink.objects.get()
    assert link.token_hash == services.enrolment_token_hash(token)
    event = Event.objects.get(kind="enrolment_link_issued")
    assert event.actor == beheerder and event.data["person"] == person.pk
    # The link list shows no hash and no token.
    listing = client.get(reverse("admin:core_enrolmentlink_changelist"))
    assert listing.status_code == 200
    assert link.token_hash not in listing.content.decode() and token not in listing.content.decode()
    # The issued link works for its person.
    client.post(reverse("logout"))
    assert len(_enrol(client, token, person)) == RECOVERY_CODE_COUNT


def test_admin_issue_page_needs_the_permission(client, verified_client, person, gemeente_a):
    staff = UserFactory(username="staf", organisation=gemeente_a, is_staff=True)
    _grant(staff, "view_user", "change_user")
    verified_client(staff)
    change = reverse("admin:partners_user_change", args=[person.pk])
    issue = reverse("admin:partners_user_enrolment_link", args=[person.pk])
    assert client.get(change).status_code == 200
    assert issue not in client.get(change).content.decode()
    assert client.get(issue).status_code == 403
    assert client.post(issue).status_code == 403
    assert not EnrolmentLink.objects.exists()


def test_admin_issue_for_a_deactivated_person_says_why(client, verified_client, beheerder, person):
    person.is_active = False
    person.save()
    verified_client(beheerder)
    response = client.post(reverse("admin:partners_user_enrolment_link", args=[person.pk]))
    assert response.status_code == 200
    assert services.ENROLMENT_PERSON_INACTIVE.format(persoon=person) in response.content.decode()
    assert not EnrolmentLink.objects.exists()


def test_command_issues_a_link_for_the_first_administrator(client, gemeente_a):
    first = UserFactory(username="eerste_beheerder", organisation=gemeente_a, is_staff=True)
    out = io.StringIO()
    call_command(
        "enrolment_link_issue", username=first.username, base_url="https://w.example/", stdout=out
    )
    url = out.getvalue().splitlines()[0]
    token = url.rsplit("/", 2)[-2]
    assert url == "https://w.example" + _link(token)
    event = Event.objects.get(kind="enrolment_link_issued")
    assert event.actor is None and event.data == {
        **event.data,
        "person": first.pk,
        "issued_by": None,
    }
    assert len(_enrol(client, token, first)) == RECOVERY_CODE_COUNT

    with pytest.raises(CommandError) as error:
        call_command("enrolment_link_issue", username="niemand", stdout=io.StringIO())
    assert str(error.value) == UNKNOWN_USERNAME.format(username="niemand")


# --- without a device, a password leads to one page; the demo is unchanged -------------------


def test_password_only_without_device_gets_the_ask_for_a_link_page(client, person):
    _login(client, person)
    for name in ("projects:list", "otp-verify", "projects:project_roles"):
        kwargs = {"slug": "een-slug"} if name == "projects:project_roles" else {}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302 and response.url == reverse("otp-enrolment-needed")
    response = client.get(reverse("otp-enrolment-needed"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Vraag de functioneel beheerder" in body and "koppellink" in body
    assert (
        "otpauth" not in body
        and "data:image" not in body
        and "<form" not in body.split("</header>")[1]
    )
    assert not TOTPDevice.objects.filter(user=person).exists()
    # Without an opened link, the set-up page refuses like for an unknown link.
    _assert_refused(client.get(reverse("enrolment")))
    # Logging out works from here.
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_person_with_a_device_is_sent_from_the_ask_page_to_the_otp_step(client, person):
    otp_device_for(person)
    _login(client, person)
    response = client.get(reverse("otp-enrolment-needed"))
    assert response.status_code == 302 and response.url == reverse("otp-verify")


def test_demo_without_second_factor_is_unchanged(client, settings, person):
    settings.OTP_REQUIRED = False  # the demo (WIJKAANPAK_OTP_REQUIRED=false)
    _login(client, person)
    assert client.get(reverse("projects:list")).status_code == 200
    for name in ("otp-verify", "otp-enrolment-needed"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url == reverse("projects:start")
    assert not TOTPDevice.objects.exists()


# --- the token is never in the database or the logs in clear --------------------------------


def _database_text() -> str:
    """Every row of every table, as this connection sees it (uncommitted rows included)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from Django)
            chunks.extend(repr(row) for row in cursor.fetchall())
    # Session data is signed and compressed: decode it too.
    chunks.extend(repr(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(chunks)


@pytest.fixture
def log_output():
    """What the configured handlers (with their filters) write, whichever logger wrote it."""
    with console_log() as buffer:
        yield buffer


def test_the_token_is_never_in_the_database_or_the_logs(
    client, verified_client, log_output, beheerder, person, gemeente_a
):
    other = UserFactory(username="collega", organisation=gemeente_a)
    verified_client(beheerder)
    body = client.post(reverse("admin:partners_user_enrolment_link", args=[person.pk]))
    token = re.search(r'<code id="koppellink">[^<]+/([^/<]+)/</code>', body.content.decode())[1]
    from_command = io.StringIO()
    call_command("enrolment_link_issue", username=other.username, stdout=from_command)
    other_token = from_command.getvalue().splitlines()[0].rsplit("/", 2)[-2]
    client.post(reverse("logout"))
    # Refused (another person's link), then the whole enrolment, then a reload of the link.
    _assert_refused(_open_and_log_in(client, other_token, person))
    client.post(reverse("logout"))
    _enrol(client, token, person)
    client.get(_link(token))
    _assert_refused(client.get(reverse("enrolment")))
    # The development server logs request lines with the path (django.server).
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET {_link(token)} HTTP/1.1", "302", "0"
    )

    logged = log_output.getvalue()
    assert "enrolment_link_issued" in logged and "enrolment_link_redeemed" in logged
    assert "/inloggen/koppelen/[verborgen]/" in logged  # the request line, token blanked
    database = _database_text()
    assert services.enrolment_token_hash(token) in database  # the scan sees the link table
    for secret in (token, other_token):
        assert secret not in logged
        assert secret not in database


# --- query counts of the new pages -----------------------------------------------------------


def test_enrolment_pages_query_counts(client, beheerder, person, django_assert_num_queries):
    issued = services.enrolment_link_issue(actor=beheerder, person=person)
    client.get(reverse("login"))  # a session exists, as for a person who opened the login page
    # 1 session, 2-4 session save (savepoint, update, release).
    with django_assert_num_queries(4):
        response = client.get(_link(issued.token))
    assert response.status_code == 302
    _login(client, person)
    client.get(reverse("enrolment"))  # warm-up: content types are cached per process
    # 1 session, 2 user, 3 the link with its device and their person (open, unexpired,
    # this person's), 4 the user's organisation (header), 5-7 session save (savepoint, update,
    # release).
    with django_assert_num_queries(7):
        response = client.get(reverse("enrolment"))
    assert response.status_code == 200
    code = _app_code(response.content.decode())
    # 1 session, 2 user, 3 the link with its device and person,
    # 4 savepoint, 5 the link locked (select for update) with its device,
    # 6 device throttling and last code saved, 7 device confirmed,
    # 8 the person's other app devices (none to delete), 9 old recovery-code devices (none),
    # 10 new recovery-code device, 11 its codes (one insert),
    # 12-14 the link's used_at constraint (savepoint, check, release), 15 link used,
    # 16 audit event, 17 release, 18 the new session key is free,
    # 19-21 the session under its new key (savepoint, insert, release),
    # 22-23 the old session (read, delete), 24 the user's organisation (header),
    # 25-27 session save (savepoint, update, release).
    with django_assert_num_queries(27):
        response = client.post(reverse("enrolment"), {"token": code})
    assert len(CODES_ON_PAGE.findall(response.content.decode())) == RECOVERY_CODE_COUNT


def test_ask_for_a_link_page_query_count(client, person, django_assert_num_queries):
    _login(client, person)
    client.get(reverse("otp-enrolment-needed"))  # warm-up
    # 1 session, 2 user, 3-4 confirmed devices (app, recovery codes): none,
    # 5 the user's organisation (header), 6-8 session save (savepoint, update, release).
    with django_assert_num_queries(8):
        response = client.get(reverse("otp-enrolment-needed"))
    assert response.status_code == 200


def test_admin_issue_query_count(
    client, verified_client, beheerder, person, django_assert_num_queries
):
    verified_client(beheerder)
    issue = reverse("admin:partners_user_enrolment_link", args=[person.pk])
    client.get(issue)  # warm-up
    # 1 session, 2 user, 3 OTP device, 4-5 the issuer's permissions (own, groups),
    # 6 the person, 7 savepoint, 8 the person's open links (locked), 9 the new device,
    # 10-14 full_clean: person, issuer and device exist, token hash and device unique,
    # 15-17 one open link per person (savepoint, check, release),
    # 18-20 the used_at constraint (savepoint, check, release), 21 the link,
    # 22 audit event, 23 release, 24-26 session save (savepoint, update, release).
    with django_assert_num_queries(26):
        response = client.post(issue)
    assert response.status_code == 200
