"""What each person is offered to open: the project menu and the start page (issue 9 item 3).

One rule, no second list of rules: a page is offered when the person holds the permission that
the page's own view requires. The menu names pages by URL name only; the permission is read
from the view class behind the URL (`project_perm`, or `perm` in the matching views) and checked
with `projects.selectors.user_has_project_perm`, the check the view itself makes. A view that
declares no permission cannot be in the menu (ImproperlyConfigured).

The start page is a small table, `START_PAGES`: the kind of work a person does in a project
(their role; an analist of a partner organisation delivers that partner's files) → the section
that the start page shows for it. Apps extend it from `AppConfig.ready()` with `start_page_set`
(datasharing gives the deliverer their data requests; controls will give the inspecteur their
evenings, reports the adviser's overview). The menu's template tag: templatetags/navigation.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import resolve, reverse

from partners.constants import ProjectPerm, Role

from .constants import PHASE_ORDER, Phase, phase_reached

# --- the project menu ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuItem:
    url_name: str  # a page of one project: its URL takes the project's slug only
    label: str
    from_phase: Phase | None = None  # offered once the project has reached this phase


DATA_PHASE = Phase.DATA_UITVRAAG
PROJECT_MENU: list[MenuItem] = [
    MenuItem("projects:detail", "Overzicht"),
    MenuItem("datasharing:request-list", "Uitvragen en leveringen", DATA_PHASE),
    MenuItem("matching:runs", "Matchingruns", DATA_PHASE),
    MenuItem("matching:risks", "Risicolijst", DATA_PHASE),
    MenuItem("matching:proposals", "Voordrachten", DATA_PHASE),
    MenuItem("matching:selection", "Goedgekeurde selectie", DATA_PHASE),
    MenuItem("matching:method", "Selectiemethode", DATA_PHASE),
    MenuItem("partners:project_partners", "Partners en convenanten"),
    MenuItem("partners:project_roles", "Rollen"),
]
# URL names of other pages that belong to a menu item (it is shown as the current one there).
MENU_SECTIONS: dict[str, str] = {
    "matching:risk": "matching:risks",
    "matching:reidentify": "matching:selection",
    "matching:settings": "matching:method",
    "datasharing:request-create": "datasharing:request-list",
    "datasharing:delivery-upload": "datasharing:request-list",
    "datasharing:delivery-detail": "datasharing:request-list",
    "partners:convenant_create": "partners:project_partners",
    "projects:plan_detail": "projects:detail",
}


def view_perm(view_class) -> ProjectPerm | None:
    """The project permission a project-scoped view requires, as the view declares it."""
    perm = getattr(view_class, "project_perm", None) or getattr(view_class, "perm", None)
    return ProjectPerm(perm) if perm else None


@cache
def page_perm(url_name: str) -> ProjectPerm:
    """The permission the view behind a project page (`url_name`, slug only) requires."""
    match = resolve(reverse(url_name, kwargs={"slug": "project"}))
    perm = view_perm(getattr(match.func, "view_class", match.func))
    if perm is None:
        raise ImproperlyConfigured(f"{url_name}: its view declares no project permission")
    return perm


class ProjectAccess:
    """Which permissions one person holds on one project, each asked at most once.

    `known` are permissions already established in this request (the view that renders the
    page resolved the project with its own permission, or the page would be a 404).
    """

    def __init__(self, *, user, project, known: Iterable[ProjectPerm] = ()):
        self.user, self.project = user, project
        self._answers: dict[ProjectPerm, bool] = dict.fromkeys(known, True)

    def may(self, perm: ProjectPerm) -> bool:
        from .selectors import user_has_project_perm

        if perm not in self._answers:
            self._answers[perm] = user_has_project_perm(
                user=self.user, project=self.project, perm=perm
            )
        return self._answers[perm]

    def may_open(self, url_name: str) -> bool:
        return self.may(page_perm(url_name))


def project_menu(*, access: ProjectAccess, current: str | None) -> list[dict]:
    """The menu entries `access` may open, in menu order, the current page marked."""
    current = MENU_SECTIONS.get(current or "", current)
    phase = access.project.phase
    return [
        {
            "label": item.label,
            "url": reverse(item.url_name, kwargs={"slug": access.project.slug}),
            "current": item.url_name == current,
        }
        for item in PROJECT_MENU
        if item_in_phase(item.url_name, phase) and access.may_open(item.url_name)
    ]


def item_in_phase(url_name: str, phase: str) -> bool:
    """Whether the project's phase has reached the one its menu item is offered from."""
    item = next((item for item in PROJECT_MENU if item.url_name == url_name), None)
    return item is None or item.from_phase is None or phase_reached(phase, item.from_phase)


def request_known_perms(request) -> list[ProjectPerm]:
    """The permission of the view serving `request`, established already if it rendered."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return []
    perm = view_perm(getattr(match.func, "view_class", match.func))
    return [perm] if perm else []


# --- the start page ------------------------------------------------------------------------------


class Work(models.TextChoices):
    """The kinds of work a start page is chosen for, in the order the start page shows them."""

    PROJECTLEIDER = "projectleider", "Projectleider"
    ANALIST = "analist", "Analist"
    LEVERANCIER = "leverancier", "Leverancier"
    INSPECTEUR = "inspecteur", "Inspecteur"
    BEHANDELAAR = "behandelaar", "Behandelaar"
    ADVISEUR = "adviseur", "Adviseur"


def work_of(*, role: str, municipal: bool) -> Work:
    """An analist of a partner organisation delivers that partner's files (design.md)."""
    if role == Role.ANALIST and not municipal:
        return Work.LEVERANCIER
    return Work(role)


@dataclass(frozen=True)
class StartSection:
    """One section of the start page: a title, a template and its context.

    `build(user=..., project_ids=...)` gets the projects in which the person does this work and
    returns the template's context (reads through selectors only).
    """

    title: str
    template: str
    build: Callable[..., dict]
    intro: str = ""


@dataclass(frozen=True)
class LinkSection:
    """A start section of links into the person's projects: per project, the given pages that
    the person may open there (the project menu's rule)."""

    title: str
    url_names: tuple[str, ...]
    intro: str = ""
    template: str = "projects/start/_links.html"

    def build(self, *, user, project_ids) -> dict:
        from .selectors import project_list_for_user

        # One query per distinct permission, however many projects (the menu's rule per page).
        perms = {page_perm(name) for name in self.url_names}
        allowed = {
            perm: set(
                project_list_for_user(user=user, perm=perm)
                .filter(pk__in=project_ids)
                .values_list("pk", flat=True)
            )
            for perm in perms
        }
        labels = {item.url_name: item.label for item in PROJECT_MENU}
        rows = []
        for project in project_list_for_user(user=user).filter(pk__in=project_ids).order_by("name"):
            links = [
                {"label": labels[name], "url": reverse(name, kwargs={"slug": project.slug})}
                for name in self.url_names
                if project.pk in allowed[page_perm(name)] and item_in_phase(name, project.phase)
            ]
            if links:
                rows.append({"project": project, "links": links})
        return {"rows": rows}


def _projects_section(*, user, project_ids) -> dict:
    from .selectors import project_list_for_user

    projects = list(project_list_for_user(user=user).filter(pk__in=project_ids).order_by("name"))
    return {"projects": with_phase_steps(projects), "phase_count": len(PHASE_ORDER)}


def with_phase_steps(projects: list) -> list:
    """Each project with its phase number and next phase, for the project tables."""
    for project in projects:
        index = PHASE_ORDER.index(Phase(project.phase))
        project.phase_number = index + 1
        project.next_phase = PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None
    return projects


MY_PROJECTS = StartSection("Mijn projecten", "projects/start/_projects.html", _projects_section)

START_PAGES: dict[Work, StartSection | LinkSection] = {
    Work.PROJECTLEIDER: MY_PROJECTS,
    Work.ANALIST: LinkSection(
        "Leveringen en risicolijst",
        ("datasharing:request-list", "matching:risks", "matching:proposals"),
        intro="Controleer de leveringen van de partners en bekijk de gepseudonimiseerde "
        "risicolijst van uw projecten.",
    ),
    # Until the controls app adds the evenings: the approved addresses they are planned from.
    Work.INSPECTEUR: LinkSection(
        "Goedgekeurde adressen",
        ("matching:selection",),
        intro="De adressen die met vier ogen zijn goedgekeurd; hieruit worden de "
        "controleavonden gepland.",
    ),
    Work.BEHANDELAAR: MY_PROJECTS,
    Work.ADVISEUR: StartSection(
        "Projecten die u adviseert", "projects/start/_projects.html", _projects_section
    ),
}


def start_page_set(work: Work, section: StartSection | LinkSection) -> None:
    """Give `work` its start section (called from an app's `AppConfig.ready()`)."""
    START_PAGES[work] = section


def start_sections(*, user) -> list[dict]:
    """The start page of `user`: one section per kind of work they do, in `Work` order (two
    kinds of work with the same section share it); without any role, 'Mijn projecten'."""
    from .selectors import user_project_roles

    grouped: dict[int, tuple[StartSection | LinkSection, set[int]]] = {}
    for role, project_id, municipal in user_project_roles(user=user):
        section = START_PAGES.get(work_of(role=role, municipal=municipal), MY_PROJECTS)
        grouped.setdefault(id(section), (section, set()))[1].add(project_id)
    rank: dict[int, int] = {}
    for index, work in enumerate(Work):
        rank.setdefault(id(START_PAGES.get(work, MY_PROJECTS)), index)
    chosen = sorted(grouped.values(), key=lambda pair: rank[id(pair[0])])
    return [
        {
            "title": section.title,
            "intro": section.intro,
            "template": section.template,
            **section.build(user=user, project_ids=project_ids),
        }
        for section, project_ids in chosen or [(MY_PROJECTS, set())]
    ]
