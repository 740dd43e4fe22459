"""Test-only URLconf for the offline kit's browser test (tests/e2e/test_offline_kit.py).

The application's URLs (for /sw.js and the logout form) plus a stand-in tablet page that the
server marks for offline use and an endpoint that behaves as the contract in
static/js/offline-queue.js says: the Idempotency-Key is held unique (here by a dict under a
lock, standing in for the unique constraint), a replay answers the stored resource with the
same status, a stale `version` gets 409 with the current resource, a missing description 400.
"""

import json
import threading
from collections import Counter

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.template import engines
from django.urls import path

from wijkaanpak.core.access import public
from wijkaanpak.core.offline import offline_page
from wijkaanpak.urls import urlpatterns as application_urlpatterns

ADDRESS = "Kontrolestraat 17b, Voorbeeldstad"
VERSION = 2  # the row's version on the server (the form sends it; a stale copy sends 1)
MISSING_DESCRIPTION = "Vul een omschrijving in."
VERSION_CONFLICT = "Iemand anders heeft deze bevinding intussen gewijzigd."

stored: dict[str, tuple[int, dict]] = {}  # Idempotency-Key -> (status, resource)
posts: Counter[str] = Counter()  # Idempotency-Key -> POSTs received
page_views: list[str] = []
_lock = threading.Lock()

PAGE = """{% load static %}<!DOCTYPE html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <title>Route van vanavond</title>
  <link rel="stylesheet" href="{% static 'css/wijkaanpak.css' %}">
  <script type="module" src="{% static 'js/offline-queue.js' %}"
          data-service-worker="{% url 'service-worker' %}"></script>
</head>
<body>
  <h1>Route van vanavond</h1>
  <p id="adres">{{ address }}</p>
  <p id="teller" data-outbox-count hidden></p>
  <form id="bevinding" data-outbox method="post" action="/test-offline/bevindingen/">
    {% csrf_token %}
    <label for="id_description">Omschrijving</label>
    <input id="id_description" name="description">
    <input type="hidden" name="version" value="{{ version }}">
    <button type="submit">Opslaan</button>
  </form>
  <form method="post" action="{% url 'logout' %}">{% csrf_token %}
    <button id="uitloggen" type="submit">Uitloggen</button>
  </form>
</body>
</html>"""


def reset() -> None:
    with _lock:
        stored.clear()
        posts.clear()
        page_views.clear()


@public
@offline_page
def route_page(request):
    page_views.append(request.path)
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({"address": ADDRESS, "version": VERSION}, request))


@public
def findings(request):
    if request.method != "POST":
        return JsonResponse({"detail": "Alleen POST."}, status=405)
    key = request.headers.get("Idempotency-Key", "")
    data = json.loads(request.body or b"{}")
    with _lock:
        posts[key] += 1
        if key in stored:  # a replay: the stored resource, the same status
            status, resource = stored[key]
            return JsonResponse(resource, status=status)
        if not data.get("description"):
            return JsonResponse({"detail": MISSING_DESCRIPTION}, status=400)
        current = {"id": 1, "description": "Eerdere versie", "version": VERSION}
        if int(data.get("version", 0)) != VERSION:
            return JsonResponse({"detail": VERSION_CONFLICT, "current": current}, status=409)
        resource = {
            "id": 100 + len(stored),
            "key": key,
            "description": data["description"],
            "version": VERSION + 1,
        }
        stored[key] = (201, resource)
        return JsonResponse(resource, status=201)


@public
def session_ended(request):
    """What a POST gets when the session has ended: the login page's redirect."""
    return redirect_to_login("/test-offline/route/")


urlpatterns = [
    path("test-offline/verlopen/", session_ended, name="test-offline-session-ended"),
    path("test-offline/route/", route_page, name="test-offline-route"),
    path("test-offline/bevindingen/", findings, name="test-offline-findings"),
    *application_urlpatterns,
]
