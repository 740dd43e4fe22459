"""What each person is offered to open: the project menu and the start page (issue 9 item 3).

One rule, no second list of rules: a page is offered when the person holds the permission that
the page's own view requires. The menu names pages by URL name only; the permission is read
from the view class behind the URL (its `project_perm`, ProjectScopedMixin's) and looked up in
the permissions the person holds on the project, as the house resolves them once per request:
the page's own `project_perms` (ProjectScopedMixin, or a page that resolved them itself), else
`projects.selectors.project_perms_for_user` once. A view that declares no project permission
cannot be in the menu (ImproperlyConfigured).

The start page is a small table, `START_PAGES`: the kind of work a person does in a project
(their role; a leverancier delivers their organisation's files) → the section
that the start page shows for it. Higher apps fill it from `AppConfig.ready()` with
`start_page_set` (datasharing gives the deliverer their data requests; controls will give the
inspecteur their evenings, reports the adviser's overview), so projects never imports them.
The menu's template tag: templatetags/navigation.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import resolve, reverse

from partners.models import User

from .constants import PHASE_ORDER, Phase, ProjectPerm, Role, phase_reached
from .models import Project
from .selectors import Person, project_list_for_user, project_perms_for_user, user_project_roles

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
    MenuItem("projects:project_partners", "Partners en convenanten"),
    MenuItem("projects:project_roles", "Rollen"),
]
# URL names of other pages that belong to a menu item (it is shown as the current one there).
MENU_SECTIONS: dict[str, str] = {
    "matching:risk": "matching:risks",
    "matching:reidentify": "matching:selection",
    "matching:settings": "matching:method",
    "datasharing:request-create": "datasharing:request-list",
    "datasharing:delivery-upload": "datasharing:request-list",
    "datasharing:delivery-detail": "datasharing:request-list",
    "projects:convenant_create": "projects:project_partners",
    "projects:plan_detail": "projects:detail",
}


def menu_item_register(
    item: MenuItem,
    *,
    sections: Collection[str] = (),
    before: str | None = None,
    after: str | None = None,
) -> None:
    """Add a higher app's page to the project menu (from its `AppConfig.ready()`), with the URL
    names of its other pages that show it as the current entry. It goes right before the entry
    `before` or right after the entry `after` when that entry is in the menu, else at the end;
    registering the same URL name again changes nothing."""
    names = [existing.url_name for existing in PROJECT_MENU]
    if item.url_name not in names:
        if before in names:
            PROJECT_MENU.insert(names.index(before), item)
        elif after in names:
            PROJECT_MENU.insert(names.index(after) + 1, item)
        else:
            PROJECT_MENU.append(item)
    for name in sections:
        MENU_SECTIONS[name] = item.url_name


@dataclass(frozen=True)
class PlanLink:
    """A link a higher app adds to the projectplan page: its URL takes the slug and the plan
    version; shown to who holds `perm`."""

    url_name: str
    label: str
    perm: ProjectPerm


PLAN_LINKS: list[PlanLink] = []


def plan_link_register(link: PlanLink) -> None:
    """Add a link to the projectplan page (from an app's `AppConfig.ready()`)."""
    if link not in PLAN_LINKS:
        PLAN_LINKS.append(link)


def plan_links(
    *, project: Project, version: int, perms: frozenset[ProjectPerm]
) -> list[dict[str, str]]:
    """The registered plan-page links `perms` may follow, with their URLs."""
    return [
        {
            "label": link.label,
            "url": reverse(link.url_name, kwargs={"slug": project.slug, "version": version}),
        }
        for link in PLAN_LINKS
        if link.perm in perms
    ]


def view_perm(view_class: Any) -> ProjectPerm | None:
    """The project permission a project-scoped view requires, as the view declares it."""
    perm = getattr(view_class, "project_perm", None)
    return ProjectPerm(perm) if perm else None


@cache
def page_view(url_name: str) -> Any:
    """The view (class) behind a project page (`url_name`, slug only)."""
    match = resolve(reverse(url_name, kwargs={"slug": "project"}))
    return getattr(match.func, "view_class", match.func)


@cache
def page_perm(url_name: str) -> ProjectPerm:
    """The permission the view behind a project page (`url_name`, slug only) requires."""
    perm = view_perm(page_view(url_name))
    if perm is None:
        raise ImproperlyConfigured(f"{url_name}: its view declares no project permission")
    return perm


class ProjectAccess:
    """Which permissions one person holds on one project, resolved once.

    `perms`: those the page has resolved already for this request (ProjectScopedMixin's
    `project_perms`); without them, `project_perms_for_user` is asked once, when first needed.
    """

    def __init__(
        self, *, user: Person, project: Project, perms: frozenset[ProjectPerm] | None = None
    ) -> None:
        self.user, self.project, self._perms = user, project, perms

    @cached_property
    def perms(self) -> frozenset[ProjectPerm]:
        if self._perms is not None:
            return self._perms
        return project_perms_for_user(user=self.user, project=self.project)

    def may(self, perm: ProjectPerm) -> bool:
        return perm in self.perms

    def may_open(self, url_name: str) -> bool:
        if not self.may(page_perm(url_name)):
            return False
        # A view may narrow its permission further (`perms_permit(perms) -> bool`, e.g. the
        # dashboard, which the adviser does not see although they hold its permission).
        permit = getattr(page_view(url_name), "perms_permit", None)
        return permit is None or bool(permit(self.perms))


def project_menu(*, access: ProjectAccess, current: str | None) -> list[dict[str, Any]]:
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


def missing_with_links(*, access: ProjectAccess, items: list[str]) -> list[dict[str, Any]]:
    """What a gate finds missing, each with the URL of the page where it is done when the
    gate names one (`projects.gates.Missing`) and the person may open it; else no URL."""
    shown = []
    for item in items:
        url_name = getattr(item, "url_name", "")
        url = None
        if url_name and access.may_open(url_name):
            url = reverse(url_name, kwargs={"slug": access.project.slug})
            fragment = getattr(item, "fragment", "")
            url = f"{url}#{fragment}" if fragment else url
        shown.append({"text": str(item), "url": url})
    return shown


def item_in_phase(url_name: str, phase: str) -> bool:
    """Whether the project's phase has reached the one its menu item is offered from."""
    item = next((item for item in PROJECT_MENU if item.url_name == url_name), None)
    return item is None or item.from_phase is None or phase_reached(phase, item.from_phase)


# --- the start page ------------------------------------------------------------------------------


class Work(models.TextChoices):
    """The kinds of work a start page is chosen for, in the order the start page shows them."""

    PROJECTLEIDER = "projectleider", "Projectleider"
    ANALIST = "analist", "Analist"
    LEVERANCIER = "leverancier", "Leverancier"
    INSPECTEUR = "inspecteur", "Inspecteur"
    BEHANDELAAR = "behandelaar", "Behandelaar"
    ADVISEUR = "adviseur", "Adviseur"


def work_of(*, role: Role, municipal: bool) -> Work | None:
    """The work of a role: its own (a leverancier delivers their organisation's files, an
    analist of any organisation analyses); None for a role without a start section of its own
    (they get 'Mijn projecten'). `municipal` is kept for sections that differ per side."""
    return Work(role.value) if role.value in Work.values else None


# A start section's builder: `build(user=..., project_ids=...)` -> the template's context.
SectionBuild = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class StartSection:
    """One section of the start page: a title, a template and its context.

    `build(user=..., project_ids=...)` gets the projects in which the person does this work and
    returns the template's context (reads through selectors only).
    """

    title: str
    template: str
    build: SectionBuild
    intro: str = ""


@dataclass(frozen=True)
class LinkSection:
    """A start section of links into the person's projects: per project, the given pages that
    the person may open there (the project menu's rule)."""

    title: str
    url_names: tuple[str, ...]
    intro: str = ""
    template: str = "projects/start/_links.html"

    def build(self, *, user: User, project_ids: Collection[int]) -> dict[str, Any]:
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
        rows: list[dict[str, Any]] = []
        for project in project_list_for_user(user=user).filter(pk__in=project_ids).order_by("name"):
            links = [
                {"label": labels[name], "url": reverse(name, kwargs={"slug": project.slug})}
                for name in self.url_names
                if project.pk in allowed[page_perm(name)] and item_in_phase(name, project.phase)
            ]
            if links:
                rows.append({"project": project, "links": links})
        return {"rows": rows}


def _projects_section(*, user: User, project_ids: Collection[int]) -> dict[str, Any]:
    projects = list(project_list_for_user(user=user).filter(pk__in=project_ids).order_by("name"))
    return {"projects": with_phase_steps(projects), "phase_count": len(PHASE_ORDER)}


def with_phase_steps(projects: list[Any]) -> list[Any]:
    """Each project with its phase number and next phase, for the project tables (set on the
    instances the templates show)."""
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


def start_sections(*, user: User) -> list[dict[str, Any]]:
    """The start page of `user`: one section per kind of work they do, in `Work` order (two
    kinds of work with the same section share it); without any role, 'Mijn projecten'."""
    grouped: dict[int, tuple[StartSection | LinkSection, set[int]]] = {}
    for role, project_id, municipal in user_project_roles(user=user):
        work = work_of(role=role, municipal=municipal)
        section = START_PAGES.get(work, MY_PROJECTS) if work is not None else MY_PROJECTS
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
