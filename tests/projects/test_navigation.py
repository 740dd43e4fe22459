"""The project menu and the start page (issue 9 item 3, projects.navigation): each role is
offered exactly the pages it may open, and starts on the page of its work.

The cast and project A of the access matrix (tests/access_setup.py), built once per module:
project A has deliveries, a matching run and an approved address; UWV delivers on it.
"""

from html.parser import HTMLParser

from django.core.exceptions import ImproperlyConfigured
from django.urls import path, reverse
from django.views.generic import TemplateView

import pytest

from projects import navigation
from projects.constants import ProjectPerm
from projects.navigation import PROJECT_MENU, StartSection, Work, page_perm, project_menu
from tests import access_matrix as matrix
from tests.access_setup import matrix_world, revoke

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


class Links(HTMLParser):
    """The hrefs inside the element with `css_class` (the project menu, the start page)."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class, self.depth, self.hrefs = css_class, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "a":
                self.hrefs.append(attrs["href"])
        elif self.css_class in (attrs.get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def links_in(html: str, css_class: str) -> list[str]:
    parser = Links(css_class)
    parser.feed(html)
    return parser.hrefs


def menu_urls(slug: str) -> dict[str, str]:
    return {item.url_name: reverse(item.url_name, kwargs={"slug": slug}) for item in PROJECT_MENU}


def test_every_menu_item_names_a_project_page_whose_view_declares_its_permission():
    assert {item.url_name: page_perm(item.url_name) for item in PROJECT_MENU} == {
        "projects:detail": ProjectPerm.VIEW,
        "datasharing:request-list": ProjectPerm.DELIVER,
        "matching:runs": ProjectPerm.VIEW_PSEUDONYMISED,
        "matching:risks": ProjectPerm.VIEW_PSEUDONYMISED,
        "matching:proposals": ProjectPerm.VIEW_PSEUDONYMISED,
        "matching:selection": ProjectPerm.VIEW_ADDRESSES,
        "matching:method": ProjectPerm.VIEW,
        "controls:tonight": ProjectPerm.RECORD_VISITS,
        "controls:evenings": ProjectPerm.PLAN_CONTROLS,
        "controls:categories": ProjectPerm.PLAN_CONTROLS,
        "controls:referrals": ProjectPerm.PLAN_CONTROLS,
        "controls:owners": ProjectPerm.VIEW_PSEUDONYMISED,
        "projects:project_partners": ProjectPerm.MANAGE,
        "projects:project_roles": ProjectPerm.MANAGE,
        # reports (menu_item_register); narrowed further by perms_permit (not the adviser)
        "reports:dashboard": ProjectPerm.VIEW,
        "reports:reports": ProjectPerm.VIEW,
        # transparency: the public page's preview, the projectleider's
        "transparency:preview": ProjectPerm.MANAGE,
        # privacy (menu_item_register): the privacy officer's alone
        "privacy:inzage": ProjectPerm.HANDLE_PRIVACY_REQUESTS,
        "privacy:log": ProjectPerm.HANDLE_PRIVACY_REQUESTS,
    }


# A page of one project whose view declares no project permission (every page of the
# application's own is project-scoped: ProjectScopedMixin gives each one its `project_perm`).
urlpatterns = [path("<slug:slug>/", TemplateView.as_view(), name="unscoped")]


@pytest.mark.urls(__name__)
def test_a_view_that_declares_no_permission_cannot_be_offered():
    """Its rule would be unknown: the menu refuses it rather than guess."""
    with pytest.raises(ImproperlyConfigured, match="unscoped"):
        page_perm("unscoped")


@pytest.mark.parametrize("role", matrix.ROLES)
def test_menu_offers_exactly_the_pages_the_role_may_open(client, world, role):
    """Shown ⇔ the page answers 200 to this person; every hidden one answers 404."""
    person, slug = world.people[role], world.own.project.slug
    world.log_in(client, person)
    shown = set(
        links_in(
            client.get(reverse("projects:detail", args=[slug])).content.decode(),
            "wk-project-menu__list",
        )
    )
    opens = {url for url in menu_urls(slug).values() if client.get(url).status_code == 200}
    assert shown == opens, role
    assert all(client.get(url).status_code == 404 for url in set(menu_urls(slug).values()) - opens)


def test_menu_hides_the_personal_data_pages_once_the_convenant_ends(client, world):
    """R5 through the menu: UWV's convenant ends, its leverancier is offered only what needs
    none."""
    person, project = world.people["leverancier"], world.own.project
    revoke("convenant_end", project=project, person=person, actor=world.people["projectleider"])
    world.log_in(client, person)
    body = client.get(reverse("projects:detail", args=[project.slug])).content.decode()
    urls = menu_urls(project.slug)
    assert links_in(body, "wk-project-menu__list") == [
        urls["projects:detail"],
        urls["matching:method"],
    ]
    # … and the start page no longer lists the partner's data requests.
    body = client.get(reverse("projects:start")).content.decode()
    assert "Er zijn geen uitvragen aan uw organisatie." in body


def test_menu_reads_the_permissions_the_page_resolved_and_asks_no_query_of_its_own(
    world, django_assert_num_queries
):
    """The house's once-per-request resolution (ProjectScopedMixin's `project_perms`): the menu
    adds no query to a project page; without them it resolves them once, not once per page."""
    from projects.selectors import project_perms_for_user

    person, project = world.people["analist"], world.own.project
    perms = project_perms_for_user(user=person, project=project)
    with django_assert_num_queries(0):
        given = navigation.project_menu(
            access=navigation.ProjectAccess(user=person, project=project, perms=perms),
            current=None,
        )
    # 1 the person's permissions while taking part, 2 their convenant (personal-data ones).
    with django_assert_num_queries(2):
        resolved = navigation.project_menu(
            access=navigation.ProjectAccess(user=person, project=project), current=None
        )
    assert given == resolved and len(given) > 2


def test_menu_marks_the_current_page_and_offers_the_data_pages_only_from_data_uitvraag(
    client, world
):
    slug = world.own.project.slug
    world.log_in(client, world.people["projectleider"])
    body = client.get(reverse("matching:risk", args=[slug, world.own.extra["risk"].pk]))
    current = reverse("matching:risks", args=[slug])
    assert f'href="{current}" aria-current="page"' in body.content.decode()

    from tests.factories import ProjectFactory

    early = ProjectFactory(created_by=world.people["projectleider"])  # initiatie
    body = client.get(reverse("projects:detail", args=[early.slug])).content.decode()
    urls = menu_urls(early.slug)
    assert links_in(body, "wk-project-menu__list") == [
        urls["projects:detail"],
        urls["projects:project_partners"],
        urls["projects:project_roles"],
    ]


START = {
    # role -> (the heading, the links the start page must hold besides the projects' pages)
    "projectleider": ("Mijn projecten", {"projects:detail"}),
    "analist": (
        "Leveringen en risicolijst",
        {"datasharing:request-list", "matching:risks", "matching:proposals"},
    ),
    # A partner's analist analyses (their own organisation's deliveries only: the list is
    # scoped); the leveranciers deliver (issue 8 item 4).
    "partner_analist": (
        "Leveringen en risicolijst",
        {"datasharing:request-list", "matching:risks", "matching:proposals"},
    ),
    "leverancier": ("Mijn uitvragen", {"datasharing:delivery-upload"}),
    "leverancier_bd": ("Mijn uitvragen", {"datasharing:delivery-upload"}),
    # No role: superuser or staff status is no work in a project (rule 16).
    "superuser": ("Mijn projecten", set()),
    "staff": ("Mijn projecten", set()),
    # controls' start section: tonight's evening of the matrix (tests/access_rows/
    # controls_field.py) leads to the tablet's route.
    "inspecteur": ("Mijn controleavonden", {"controls:route"}),
    # controls' follow-up section: the open referrals to their organisation and the inbox.
    "behandelaar": ("Doorverwijzingen aan uw organisatie", {"controls:referral", "controls:inbox"}),
    "adviseur": ("Projecten die u adviseert", {"projects:detail"}),
    # The functionaris gegevensbescherming works from the project's Privacy pages.
    "privacy_officer": ("Mijn projecten", {"projects:detail"}),
}


@pytest.mark.parametrize("role", matrix.ROLES)
def test_start_page_fits_the_work_and_each_of_its_links_opens(client, world, role):
    from django.urls import resolve

    world.log_in(client, world.people[role])
    response = client.get(reverse("projects:start"))
    body = response.content.decode()
    heading, needed = START[role]
    assert f'<h1 class="utrecht-heading-1">{heading}</h1>' in body
    links = links_in(body, "wk-start-section")
    assert needed <= {resolve(link.split("?")[0]).view_name for link in links}
    for link in links:
        assert client.get(link).status_code == 200, (role, link)


def test_start_page_of_someone_without_a_role_and_of_someone_with_two(client, world):
    from projects.constants import Role
    from tests.factories import ProjectFactory, UserFactory, login_verified

    login_verified(client, UserFactory(organisation=world.organisations["vng"]))
    body = client.get(reverse("projects:start")).content.decode()
    assert '<h1 class="utrecht-heading-1">Mijn projecten</h1>' in body
    assert "U heeft nog geen rol in een project." in body
    client.logout()

    # The analist of project A also leads a project of their own: two sections, in the order
    # of the kinds of work (projects.navigation.Work).
    analist = world.people["analist"]
    ProjectFactory(created_by=analist, name="Eigen project")
    assert Role.PROJECTLEIDER in set(analist.project_roles.values_list("role", flat=True))
    login_verified(client, analist)
    body = client.get(reverse("projects:start")).content.decode()
    assert '<h1 class="utrecht-heading-1">Startpagina</h1>' in body
    assert body.index(">Mijn projecten</h2>") < body.index(">Leveringen en risicolijst</h2>")


def test_later_apps_extend_the_start_page_table(client, world, monkeypatch):
    monkeypatch.setitem(
        navigation.START_PAGES,
        Work.INSPECTEUR,
        StartSection(
            "Mijn controleavonden",
            "projects/start/_projects.html",
            lambda *, user, project_ids: {"projects": [], "phase_count": 0},
        ),
    )
    world.log_in(client, world.people["inspecteur"])
    body = client.get(reverse("projects:start")).content.decode()
    assert '<h1 class="utrecht-heading-1">Mijn controleavonden</h1>' in body


@pytest.mark.parametrize(
    ("role", "queries"),
    [
        ("projectleider", 9),
        ("analist", 11),
        ("partner_analist", 11),
        ("leverancier", 10),
        ("inspecteur", 9),
    ],
)
def test_start_page_query_count(client, world, role, queries, django_assert_num_queries):
    from tests.factories import ProjectFactory

    world.log_in(client, world.people[role])
    client.get(reverse("projects:start"))  # warm-up: content types are cached per process
    # 1 session, 2 user, 3 OTP device, 4 the user's roles in the projects they may see; then the
    # section of their work:
    #   projectleider 5 their projects;
    #   analist 5-6 the projects where they may open each page (deliver_data, view_pseudonymised:
    #     one query per permission, however many projects), 7 those projects;
    #   deliverer 5 the data requests to their organisation, 6 each one's latest delivery;
    #   inspecteur 5 their evenings from today, with project (controls' section: the projects
    #     where they record visits and their team membership are subqueries of it);
    # then the user's organisation (may they create a project; the header reuses it), and the
    # session save (savepoint, update, release).
    with django_assert_num_queries(queries):
        assert client.get(reverse("projects:start")).status_code == 200
    if role == "projectleider":  # more projects, no more queries
        for _ in range(2):
            ProjectFactory(created_by=world.people[role])
        with django_assert_num_queries(queries):
            assert client.get(reverse("projects:start")).status_code == 200


@pytest.mark.django_db
def test_a_view_may_narrow_its_permission_for_the_menu(project_a, adviseur_a, inspecteur_a):
    """The dashboard needs view_project, and work in the project: not the adviser's menu."""
    from projects.constants import Phase
    from projects.navigation import ProjectAccess

    project_a.phase = Phase.DATA_UITVRAAG  # the menu's phase rule only; not saved
    for person, expected in ((adviseur_a, False), (inspecteur_a, True)):
        access = ProjectAccess(user=person, project=project_a)
        assert access.may(ProjectPerm.VIEW)
        assert access.may_open("reports:dashboard") is expected
        labels = [entry["label"] for entry in project_menu(access=access, current=None)]
        assert ("Dashboard" in labels) is expected
