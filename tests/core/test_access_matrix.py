"""Deny by default, object scoping and immediate revocation, for every URL pattern
(security R1, R2, R5, and an R21 spot check).

1. The resolver walk: every pattern outside the allowlist needs login (anonymous → login
   redirect, or 401 under /api/) and a verified second factor (password only → OTP step).
2. The cross-check: every pattern has a row in tests/access_matrix.py (or is PENDING).
3. The matrix: role × project (own / other) × URL × method → expected status; never 403.
   Outsiders (a member of the other project, anonymous, password only) on every
   project-scoped row, with real objects rather than sample paths.
4. R5: a revoked convenant, an ended role or a partner that left → 404 on the next request.
5. R21: a request that shows k data subjects writes exactly k processing-log records.

The people and objects are built once per module (tests/access_setup.py) in a transaction that
is rolled back at the end; every test runs in a savepoint of it.
"""

import re

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

import pytest

from tests import access_matrix as matrix
from tests.access_setup import REVOCATIONS, matrix_world, revoke
from tests.figures import figure_add
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_raw_upload_left_behind():
    """An upload POST in a cell stores the raw file and queues its processing on commit; the
    cell is rolled back, so nothing would delete the file. Remove it (R17: no raw upload stays
    in media; later tests check that)."""
    from pathlib import Path

    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "leveringen"
    before = set(folder.glob("*")) if folder.exists() else set()
    yield
    if folder.exists():
        for path in set(folder.glob("*")) - before:
            path.unlink()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Projects A and B with everything SETUP_HOOKS make, once per module (rolled back after)."""
    with matrix_world(django_db_blocker) as built:
        yield built


CONVERTER_SAMPLES = {
    "int": "1",
    "slug": "een-slug",
    "str": "x",
    "path": "1",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _sample_path(route: str) -> str:
    """A concrete path for a route (RoutePattern or the admin's simple regexes)."""

    def route_param(match):
        converter = match.group(1) or "str"
        return CONVERTER_SAMPLES[converter.rstrip(":")]

    def regex_group(match):
        body = match.group(1)
        if re.fullmatch(r"[\w|]+", body):
            return body.split("|")[0]  # an alternation of names: take the first
        return "x"

    path = re.sub(r"\(\?P<\w+>([^)]*)\)", regex_group, route)
    path = re.sub(r"<(?:(\w+):)?\w+>", route_param, path)
    return "/" + path.replace("^", "").replace("$", "")


def _walk(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            label = f"{namespace}:{entry.name}" if namespace else (entry.name or route)
            if namespace and not entry.name:
                label = f"{namespace}:{route}"
            yield label, namespace, route, entry


PATTERNS = list(_walk())


def _refused(response) -> bool:
    """Refused as the house refuses: 404, 405, or off to the login or second-factor step."""
    if response.status_code in (401, 403, 404, 405):
        return True
    url = getattr(response, "url", "") or ""
    return response.status_code == 302 and url.startswith(
        (reverse("login"), reverse("otp-verify"), reverse("otp-enrolment-needed"))
    )


def _tally(response, expected: int, *, cell: bool = True) -> None:
    """Count one matrix request for the figures (before its assert): a wrong allow is a request
    the matrix expects refused (404) that was answered."""
    figure_add("matrix_requests")
    if cell:
        figure_add("matrix_cells")
    # Added as 0 too, so that the summary prints the zero it measured.
    figure_add("matrix_wrong_allows", int(expected == 404 and not _refused(response)))
    figure_add("matrix_403", int(expected == 404 and response.status_code == 403))


def _short_name(label: str) -> str:
    return label.split(":", 1)[1] if ":" in label else label


def test_every_sample_path_resolves_to_its_own_pattern():
    for label, _namespace, route, entry in PATTERNS:
        match = resolve(_sample_path(route))
        assert match.func == entry.callback, (
            f"{label}: sample path {_sample_path(route)} resolves elsewhere"
        )


def _is_public(label: str, namespace: str) -> bool:
    # A namespaced public page is listed with its namespace ("transparency:public").
    return label in matrix.PUBLIC


def _is_otp_step(label: str, namespace: str) -> bool:
    return not namespace and label in matrix.OTP_STEP


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login_everywhere_outside_the_allowlist(client, method):
    reachable = []
    for label, namespace, route, _entry in PATTERNS:
        if _is_public(label, namespace):
            continue
        path = _sample_path(route)
        response = getattr(client, method)(path)
        if path.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code == 302 and response.url.startswith(
                reverse("login") + "?next="
            )
        if not ok:
            reachable.append((label, path, response.status_code))
    figure_add("url_patterns", len(PATTERNS) if method == "get" else 0)
    figure_add("unprotected_patterns", len(reachable))
    assert reachable == []


def test_password_only_session_is_sent_to_the_otp_step(client, world):
    assert settings.OTP_REQUIRED
    leader = world.people["projectleider"]  # has a confirmed OTP device
    client.force_login(leader)  # password step done, second factor not
    reachable = []
    for label, namespace, route, _entry in PATTERNS:
        if _is_public(label, namespace) or _is_otp_step(label, namespace):
            continue
        path = _sample_path(route)
        response = client.get(path)
        if path.startswith("/api/v1/"):
            ok = response.status_code == 401  # the REST API takes client tokens only
        elif path.startswith("/api/"):
            ok = response.status_code == 403
        else:
            ok = response.status_code == 302 and response.url == reverse("otp-verify")
        if not ok:
            reachable.append((label, path, response.status_code))
    figure_add("unprotected_patterns", len(reachable))
    assert reachable == []
    # And with the real project's slug, not only a sample one.
    response = client.get(reverse("projects:detail", kwargs={"slug": world.own.project.slug}))
    assert response.status_code == 302 and response.url == reverse("otp-verify")


def test_password_only_session_without_device_is_shown_no_secret_anywhere(client, world):
    """R8: without a device a password leads only to the page that says to ask for an
    enrolment link. No URL (GET or POST) shows a TOTP secret or QR code, or makes a device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import UserFactory

    person = UserFactory(
        username="zonder_factor", organisation=world.own.extra["cast"]["municipality"]
    )
    client.force_login(person)  # password step done; no device, no enrolment link
    shown, responses = [], []
    for label, namespace, route, _entry in PATTERNS:
        if label == "logout":
            continue  # would end the session; tests/core/test_enrolment.py checks it
        path = _sample_path(route)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            body = response.content.decode(errors="replace")
            if any(mark in body for mark in ("otpauth://", "data:image/svg", "totp-sleutel")):
                shown.append((label, method, path))
            if not (_is_public(label, namespace) or _is_otp_step(label, namespace)):
                responses.append((label, method, path, response))
    assert shown == []
    needed = reverse("otp-enrolment-needed")
    reachable = [
        (label, method, path, response.status_code)
        for label, method, path, response in responses
        if not (
            response.status_code in (401, 403)
            if path.startswith("/api/")
            else response.status_code == 302 and response.url == needed
        )
    ]
    assert reachable == []
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_every_url_pattern_has_a_matrix_row():
    covered = {row.name for row in matrix.ROWS}
    wildcard_namespaces = {name[:-2] for name in covered if name.endswith(":*")}
    missing = []
    for label, namespace, _route, _entry in PATTERNS:
        if namespace in matrix.PENDING_NAMESPACES or namespace in wildcard_namespaces:
            continue
        if label not in covered:
            missing.append(label)
    figure_add("url_patterns_with_rows", len(PATTERNS) - len(missing))
    assert missing == [], f"URL patterns without a row in tests/access_matrix.py: {missing}"


def test_matrix_rows_name_existing_patterns():
    labels = {label for label, *_ in PATTERNS}
    namespaces = {namespace for _label, namespace, *_ in PATTERNS}
    for row in matrix.ROWS:
        if row.name.endswith(":*"):
            assert row.name[:-2] in namespaces, row.name
        else:
            assert row.name in labels, row.name
        assert set(row.own) == set(matrix.ROLES), row.name


def _url(row, mp) -> str:
    return reverse(row.url_name or row.name, kwargs=matrix.KWARGS[row.kwargs](mp))


def _cell_id(row, who) -> str:
    return f"{row.name}-{row.method}-{row.kwargs}-{who}"


def _cells():
    for row in matrix.ROWS:
        for role in matrix.ROLES:
            marks = []
            if role in row.xfail:
                marks.append(pytest.mark.xfail(strict=True, reason=row.xfail[role]))
            yield pytest.param(row, role, id=_cell_id(row, role), marks=marks)


def _as(client, world, row, role: str, mp=None):
    """Log `role` in for `row`: their session, or for a REST API row the token of the client
    account holding that role (of project A, or of `mp`); returns who acts."""
    if row.auth == "token":
        from tests.api.world import bearer

        account, token = (mp or world.own).extra["api"][role]
        client.defaults.update(bearer(token))
        return account
    person = world.people[role]
    world.log_in(client, person)
    return person


@pytest.mark.parametrize(("row", "role"), list(_cells()))
def test_access_matrix(row, role, client, world):
    _as(client, world, row, role)
    send = getattr(client, row.method)

    if row.other is not None:
        response = send(_url(row, world.other), matrix.row_data(row, world.other))
        _tally(response, row.other, cell=False)
        assert response.status_code != 403
        assert response.status_code == row.other, f"{row.name} on another project"
    response = send(_url(row, world.own), matrix.row_data(row, world.own))
    _tally(response, row.own[role])
    assert response.status_code != 403
    assert response.status_code == row.own[role], (
        f"{row.name} {row.method.upper()} as {role}: {response.status_code}, "
        f"expected {row.own[role]}"
    )


def _outsider_cells():
    for row in matrix.ROWS:
        if row.other is None:  # not about one project: the resolver walk covers outsiders
            continue
        for outsider in matrix.OUTSIDERS:
            yield pytest.param(row, outsider, id=_cell_id(row, outsider))


@pytest.mark.parametrize(("row", "outsider"), list(_outsider_cells()))
def test_outsiders_on_real_objects(row, outsider, client, world):
    """Project A's real objects for who is not in project A or not fully logged in."""
    url = _url(row, world.own)
    send = getattr(client, row.method)
    if outsider == "other_project_member":  # project B's projectleider: every perm, on B
        if row.auth == "token":
            _as(client, world, row, "projectleider", mp=world.other)
        else:
            world.log_in(client, world.other.extra["cast"]["projectleider"])
        response = send(url, matrix.row_data(row, world.own))
        _tally(response, 404)
        assert response.status_code == 404
    elif row.auth == "token":  # no token, or a password-only session: no credential here
        if outsider == "password_only":
            world.log_in(client, world.people["projectleider"], verified=False)
        response = send(url, matrix.row_data(row, world.own))
        assert response.status_code == 401
        assert response.json()["code"] == "niet_geauthenticeerd"
    elif outsider == "anonymous":
        response = send(url, matrix.row_data(row, world.own))
        _tally(response, 404)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    else:  # password only: the projectleider of A, second factor not given
        world.log_in(client, world.people["projectleider"], verified=False)
        response = send(url, matrix.row_data(row, world.own))
        _tally(response, 404)
        assert response.status_code == 302 and response.url == reverse("otp-verify")


# --- R5: revocation takes effect on the very next request ---

# The delivering partners' people: UWV's analist, inspecteur and leverancier, the Belastingdienst's
# leverancier.
PARTNER_ROLES = ("partner_analist", "inspecteur", "leverancier", "leverancier_bd")


def _revocation_cells():
    for row in matrix.ROWS:
        if not row.personal_data or row.method != "get":
            continue
        for role in PARTNER_ROLES:
            if row.own[role] != 200:
                continue
            for kind in REVOCATIONS:
                yield pytest.param(row, role, kind, id=f"{_cell_id(row, role)}-{kind}")


def test_revocation_rows_exist():
    cells = list(_revocation_cells())
    assert {param.values[1] for param in cells} == set(PARTNER_ROLES)
    assert len(cells) >= 30


@pytest.mark.parametrize(("row", "role", "kind"), list(_revocation_cells()))
def test_revocation_gives_404_at_once(row, role, kind, client, world):
    person = _as(client, world, row, role)
    url = _url(row, world.own)
    assert client.get(url).status_code == 200
    revoke(kind, project=world.own.project, person=person, actor=world.people["projectleider"])
    response = client.get(url)
    _tally(response, 404, cell=False)
    assert response.status_code == 404, f"{row.name} as {role} after {kind}"


# --- R21 spot check: k data subjects shown → exactly k processing-log records ---


def _subject_cells():
    for row in matrix.ROWS:
        if row.name not in matrix.SUBJECT_ROWS or row.method != "get":
            continue
        for role in matrix.PSEUDONYMISED:
            if row.own[role] != 200:
                continue
            marks = []
            if row.name in matrix.SUBJECT_ROWS_XFAIL:
                reason = matrix.SUBJECT_ROWS_XFAIL[row.name]
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(row, role, id=_cell_id(row, role), marks=marks)


@pytest.mark.parametrize(("row", "role"), list(_subject_cells()))
def test_rows_returning_data_subjects_log_one_record_per_subject(row, role, client, world):
    person = _as(client, world, row, role)
    subjects = matrix.SUBJECT_ROWS[row.name](world.own)
    assert subjects
    last = ProcessingLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(_url(row, world.own))
    assert response.status_code == 200
    entries = list(ProcessingLogEntry.objects.filter(id__gt=last).order_by("id"))
    assert sorted(e.data_subject_id for e in entries) == sorted(subjects)
    for entry in entries:
        assert entry.trace_id and entry.operation_id and entry.name and entry.action
        assert entry.started_at and entry.ended_at and entry.processing_activity_id
        assert entry.ground and entry.resource and entry.data_subject_id_type
        assert entry.actor_id == person.pk and entry.project_id == world.own.project.pk
