"""Demo of the REST API (issue 14): a client of UWV with the scope read + referral outcome,
whose account is a behandelaar in the demo project (granted by its projectleider, like a
person). Its token is generated at load time and printed once in the demo output; only its
hash is stored, so a second `load_demo` issues nothing and shows no token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from partners.constants import ApiScope
from partners.models import ApiClient, Organisation, User
from partners.services import api_client_issue

from . import services
from .constants import Phase, Role
from .models import Project

DEMO_CLIENT_NAME = "Demo-koppeling UWV"


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def build(*, stdout: Any = None) -> None:
    from .demo import DEMO_PROJECT_SLUGS

    uwv = Organisation.objects.filter(name="UWV").first()
    project = Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()
    leader = User.objects.filter(username="projectleider").first()
    if uwv is None or project is None or leader is None:
        _say(stdout, "  geen demoproject voor de API; overgeslagen")
        return
    if ApiClient.objects.filter(organisation=uwv, name=DEMO_CLIENT_NAME).exists():
        _say(stdout, f"  API-client {DEMO_CLIENT_NAME} bestaat al (het token staat alleen in de")
        _say(stdout, "  uitvoer van de eerste keer; een nieuwe: manage.py api_client_issue)")
        return
    issued = api_client_issue(
        actor=None,
        organisation=uwv,
        name=DEMO_CLIENT_NAME,
        scope=ApiScope.READ_REFERRAL_OUTCOME,
        expires_at=timezone.now() + timedelta(days=90),
    )
    services.role_grant(
        actor=leader, project=project, person=issued.client.account, role=Role.BEHANDELAAR
    )
    _say(stdout, f"  API-client {DEMO_CLIENT_NAME} (lezen en uitkomst), behandelaar in")
    _say(stdout, f"  {project.name}. Token (alleen nu getoond, demogeheim):")
    _say(stdout, f"  {issued.token}")
    _say(stdout, "  Probeer: curl -H 'Authorization: Bearer <token>' ")
    _say(stdout, "  http://127.0.0.1:8000/api/v1/projects/")


def summary(stdout: Any) -> None:
    if ApiClient.objects.filter(name=DEMO_CLIENT_NAME).exists():
        _say(
            stdout,
            f"REST API: /api/docs/ (documentatie, ingelogd); client {DEMO_CLIENT_NAME} met het "
            "token uit de uitvoer hierboven (Authorization: Bearer <token>).",
        )
