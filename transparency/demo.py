"""Demo data of transparency: the demo project's public page is published by its
projectleider, with an intro, so that /openbaar/<slug>/ shows in `make demo`. Through the
service; idempotent (published once). Runs after reports' builder."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from partners.models import User
from projects.constants import Phase
from projects.models import Project

from . import selectors, services

DEMO_INTRO = (
    "In deze buurt werken de gemeente en haar partners samen om woonfraude, uitbuiting en "
    "misbruik van uitkeringen aan te pakken, en om bewoners die hulp nodig hebben die hulp te "
    "geven. Op deze pagina leest u welke gegevens we daarvoor gebruiken, hoe we adressen "
    "kiezen voor een huisbezoek en wat dat heeft opgeleverd."
)


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_project() -> Project | None:
    from projects.demo import DEMO_PROJECT_SLUGS

    return Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()


def build(*, stdout: Any = None) -> None:
    project = _demo_project()
    leader = User.objects.filter(username="projectleider").first()
    if project is None or leader is None:
        _say(stdout, "  geen demoproject voor de openbare pagina; overgeslagen")
        return
    page = selectors.public_page_for(project=project)
    if page is None or not page.published_at:
        services.public_page_publish(actor=leader, project=project, intro=DEMO_INTRO)
        _say(stdout, "  openbare projectpagina gepubliceerd")


def summary(stdout: Any) -> None:
    project = _demo_project()
    if project is None:
        return
    page = selectors.public_page_for(project=project)
    if page is not None and page.is_published:
        url = reverse("transparency:public", kwargs={"slug": project.slug})
        _say(stdout, f"Openbare projectpagina (zonder inloggen): http://127.0.0.1:8000{url}")
