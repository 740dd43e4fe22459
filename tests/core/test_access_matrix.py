"""Deny by default and object scoping, for every URL pattern (security R1, R2).

1. The resolver walk: every pattern outside the allowlist needs login (anonymous → login
   redirect, or 401 under /api/) and a verified second factor (password only → OTP step).
2. The cross-check: every pattern has a row in tests/access_matrix.py (or is PENDING).
3. The matrix: role × project (own / other) × URL → expected status; never 403.
"""

import re

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

import pytest

from tests import access_matrix as matrix
from tests.factories import login_verified, otp_device_for

pytestmark = pytest.mark.django_db

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


def _short_name(label: str) -> str:
    return label.split(":", 1)[1] if ":" in label else label


def test_every_sample_path_resolves_to_its_own_pattern():
    for label, _namespace, route, entry in PATTERNS:
        match = resolve(_sample_path(route))
        assert match.func == entry.callback, (
            f"{label}: sample path {_sample_path(route)} resolves elsewhere"
        )


def _is_public(label: str, namespace: str) -> bool:
    return not namespace and label in matrix.PUBLIC


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
    assert reachable == []


def test_password_only_session_is_sent_to_the_otp_step(client, project_a):
    assert settings.OTP_REQUIRED
    leader = project_a.created_by
    otp_device_for(leader)
    client.force_login(leader)  # password step done, second factor not
    reachable = []
    for label, namespace, route, _entry in PATTERNS:
        if _is_public(label, namespace) or _is_otp_step(label, namespace):
            continue
        path = _sample_path(route)
        response = client.get(path)
        if path.startswith("/api/"):
            ok = response.status_code == 403
        else:
            ok = response.status_code == 302 and response.url == reverse("otp-verify")
        if not ok:
            reachable.append((label, path, response.status_code))
    assert reachable == []
    # And with the real project's slug, not only a sample one.
    response = client.get(reverse("projects:detail", kwargs={"slug": project_a.slug}))
    assert response.status_code == 302 and response.url == reverse("otp-verify")


def test_every_url_pattern_has_a_matrix_row():
    covered = {row.name for row in matrix.ROWS}
    wildcard_namespaces = {name[:-2] for name in covered if name.endswith(":*")}
    missing = []
    for label, namespace, _route, _entry in PATTERNS:
        if namespace in matrix.PENDING_NAMESPACES or namespace in wildcard_namespaces:
            continue
        if label not in covered:
            missing.append(label)
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


def _cells():
    for row in matrix.ROWS:
        for role in matrix.ROLES:
            yield pytest.param(row, role, id=f"{row.name}-{row.method}-{role}")


@pytest.fixture
def people(projectleider_a, analist_a, inspecteur_a, behandelaar_a, adviseur_a):
    return {
        "projectleider": projectleider_a,
        "analist": analist_a,
        "inspecteur": inspecteur_a,
        "behandelaar": behandelaar_a,
        "adviseur": adviseur_a,
    }


@pytest.mark.parametrize(("row", "role"), list(_cells()))
def test_access_matrix(row, role, client, people, project_a, project_b):
    own = matrix.MatrixProject(project_a)
    other = matrix.MatrixProject(project_b)
    for mp in (own, other):
        for hook in matrix.SETUP_HOOKS:
            hook(mp)
    login_verified(client, people[role])
    url_name = row.url_name or row.name
    send = getattr(client, row.method)

    if row.other is not None:
        response = send(reverse(url_name, kwargs=matrix.KWARGS[row.kwargs](other)), row.data or {})
        assert response.status_code == row.other, f"{row.name} on another project"
        assert response.status_code != 403
    response = send(reverse(url_name, kwargs=matrix.KWARGS[row.kwargs](own)), row.data or {})
    assert response.status_code == row.own[role]
    assert response.status_code != 403
