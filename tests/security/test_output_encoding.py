"""R16: security headers on every main HTML page, and an XSS corpus rendered escaped.

The corpus is stored through the real services in every user-editable text field (see
conftest.build_world) and every page that shows those fields is rendered; no payload may come
back raw, and each must come back in its escaped form (so the field really was rendered).
"""

from html.parser import HTMLParser

from django.urls import reverse
from django.utils.html import escape

import pytest

from tests.factories import login_verified

from .conftest import TEXT_FIELDS, build_world

pytestmark = pytest.mark.django_db

XSS_CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">klik</a>',
    "{{ 7*7 }}{% csrf_token %}<iframe src=//evil.example>",
    "<body onload=alert(1)><style>*{}</style>",
]
# A delivery file name cannot hold '/', and must end in .csv.
XSS_FILENAMES = ['"><img src=x onerror=alert(1)>.csv', "<svg onload=alert(1)>.csv"]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc"}
INJECTED_TAGS = {"iframe", "svg", "style", "object", "embed"}


class ActiveContent(HTMLParser):
    """Collects what a browser would execute: inline scripts, event handlers, javascript: URLs,
    and elements the corpus tries to inject. The parser sees the HTML as a browser does, so an
    escaped payload (text or attribute value) is not an element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and not any(
            n == "src" and (v or "").startswith("/static/") for n, v in attrs
        ):
            self.found.append(f"<script> {attrs}")
        if tag in INJECTED_TAGS or (tag == "img" and ("src", "x") in attrs):
            self.found.append(f"<{tag}> {attrs}")
        if tag == "body" and attrs != [("class", "utrecht-document utrecht-document--surface")]:
            self.found.append(f"<body> {attrs}")
        for name in names:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
        for name, value in attrs:
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_security_headers(response, name: str) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert csp, f"{name}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (name, csp)
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert "script-src" in directives or "default-src" in directives, (name, csp)
    assert "'none'" in directives.get("frame-ancestors", ""), (name, csp)
    assert "'none'" in directives.get("object-src", ""), (name, csp)
    assert response.get("X-Frame-Options") == "DENY", name
    assert response.get("X-Content-Type-Options") == "nosniff", name
    assert response.get("Referrer-Policy") in {
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    }, (name, response.get("Referrer-Policy"))


def test_main_pages_carry_security_headers(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert_security_headers(response, "inloggen")

    login_verified(client, world.projectleider)
    for name, url in world.pages().items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert response["Content-Type"].startswith("text/html"), name
        assert_security_headers(response, name)
    # Error pages too.
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert_security_headers(response, "404")


def test_detector_sees_every_raw_payload():
    """The check below can fail: each corpus entry, if rendered raw, is active content."""
    for payload in XSS_CORPUS:
        html = f'<p>{payload}</p><a href="{payload}">x</a>'
        assert active_content(html), payload
    for payload in XSS_CORPUS:
        assert active_content(f"<p>{escape(payload)}</p>") == []


def marker(payload: str, field: str) -> str:
    return f"{payload} #{TEXT_FIELDS.index(field)}"


@pytest.mark.parametrize("payload", XSS_CORPUS, ids=range(len(XSS_CORPUS)))
def test_xss_corpus_renders_escaped_everywhere(client, payload):
    filename = XSS_FILENAMES[len(payload) % len(XSS_FILENAMES)]
    world = build_world(lambda field: marker(payload, field), filename=filename)
    login_verified(client, world.projectleider)
    shown: set[str] = set()
    for name, url in world.pages().items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert_security_headers(response, name)
        assert active_content(html) == [], name
        for field in TEXT_FIELDS:
            text = marker(payload, field)
            if any(char in payload for char in "<>\"'"):
                assert text not in html, f"{name}: {field} rendered raw"
            if escape(text) in html:
                shown.add(field)
        if name == "levering":
            assert filename not in html and escape(filename) in html, name
    # Every stored field was rendered (escaped) on at least one page.
    assert shown == set(TEXT_FIELDS), set(TEXT_FIELDS) - shown
