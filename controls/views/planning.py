"""The planner's pages (issue 11 items 1 and 7): evenings, teams, addresses and routes, the
lifecycle, finding categories and the visit page. Thin views: a selector to read, a service to
change; every form posts (no JS needed), errors beside their field.

Every view resolves the project and the person's permissions once (ProjectScopedMixin, 404
without `project_perm`); objects are then read through controls.selectors within the project.
The evening page is also open to an inspector of one of its teams (read only, their own
team's route); everything else is the projectleider's (PLAN_CONTROLS).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from datasharing.selectors import objections_for_addresses
from partners.models import User
from projects.constants import ProjectPerm
from projects.views import ProjectScopedMixin
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.views import SERVICE_ERRORS, form_add_service_error

from ..constants import EVENING_PLAN_EDITABLE, EVENING_TRANSITIONS, EveningStatus
from ..forms import (
    AssignForm,
    CategoryForm,
    CategoryToggleForm,
    EveningForm,
    TeamForm,
    TeamMemberForm,
    TransitionForm,
    VisitMoveForm,
)
from ..selectors.categories import finding_category_get, finding_category_list
from ..selectors.evenings import (
    approved_proposals_unplanned,
    evening_get_for_user,
    evening_list_with_counts,
    evenings_upcoming_for_inspector,
    finding_list_for_user,
    inspector_options,
    team_list,
    visit_addresses_for_user,
    visit_get_for_user,
    visit_list_for_user,
)
from ..selectors.referrals import findings_with_followup
from ..services import categories as category_services
from ..services import evenings as services

TRANSITION_LABELS = {
    EveningStatus.GEPLAND: "Terug naar gepland",
    EveningStatus.VOORBEREID: "Voorbereid: klaar voor de avond",
    EveningStatus.UITGEVOERD: "Uitgevoerd",
    EveningStatus.AFGEROND: "Afronden (daarna verandert niets meer)",
    EveningStatus.GEANNULEERD: "Annuleren",
}
EVENING_SAVED = "De controleavond is opgeslagen."
PLANNED = "De routes zijn gepland: {count} adressen over {teams} teams, samen {km} km."
ASSIGNED = "{count} adressen staan nu op deze avond."
STATUS_CHANGED = "De avond is nu {status}."


def kilometres(metres: int) -> str:
    """'1,2' for 1234 m (one decimal, Dutch comma)."""
    return f"{metres / 1000:.1f}".replace(".", ",")


def proposal_record_url(*, slug: str, pk: int) -> str | None:
    """The selection record of a proposal ('Waarom dit adres?', matching:proposal-record),
    or None while that page is not part of this build."""
    try:
        return reverse("matching:proposal-record", kwargs={"slug": slug, "pk": pk})
    except NoReverseMatch:
        return None


# The page an inspector's start page links each evening to (kwargs slug, pk): tonight's
# evening to the tablet's route (controls/views/field.py, kept offline), later evenings to
# the evening page.
INSPECTOR_EVENING_URL = "controls:evening"
INSPECTOR_TONIGHT_URL = "controls:route"


def inspector_start_section(*, user: User, project_ids: Collection[int]) -> dict[str, Any]:
    """The inspector's start section (apps.py, projects.navigation's `start_page_set`): their
    evenings from today on, tonight's first, each with its link."""
    today = timezone.localdate()
    evenings = evenings_upcoming_for_inspector(user=user, project_ids=project_ids, day=today)
    rows = []
    for evening in evenings:
        is_tonight = timezone.localtime(evening.starts_at).date() == today
        url_name = INSPECTOR_TONIGHT_URL if is_tonight else INSPECTOR_EVENING_URL
        rows.append(
            {
                "evening": evening,
                "is_tonight": is_tonight,
                "url": reverse(url_name, kwargs={"slug": evening.project.slug, "pk": evening.pk}),
            }
        )
    return {"evenings": rows}


def log_shown(*, user: User, project: Any, name: str, address_keys: list[str]) -> None:
    """One LDV record per pseudonymised address a page shows (R21), before it is rendered;
    none when it shows none."""
    keys = list(dict.fromkeys(address_keys))
    if keys:
        processing_log_write(
            actor=user,
            action="view",
            name=name,
            ground="control",
            project=project,
            data_subject_ids=keys,
            data_subject_id_type="adrespseudoniem",
        )


class PlanningView(ProjectScopedMixin):
    """A page of the planner: the project and the person's permissions resolved once."""

    project_perm = ProjectPerm.PLAN_CONTROLS
    template_name = ""

    def render_page(self, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        context = {"project": self.project, "project_perms": self.project_perms, **context}
        return render(self.request, self.template_name, context, status=status)

    def evening_url(self, evening_pk: int, anchor: str = "") -> str:
        url = reverse("controls:evening", kwargs={"slug": self.project.slug, "pk": evening_pk})
        return f"{url}#{anchor}" if anchor else url

    def get_evening(self, pk: int):
        return evening_get_for_user(
            user=self.person, project=self.project, pk=pk, perms=self.project_perms
        )


# --- evenings ---------------------------------------------------------------------------------


class EveningListView(PlanningView):
    template_name = "controls/planning/evening_list.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        evenings = evening_list_with_counts(
            user=self.person, project=self.project, perms=self.project_perms
        )
        return self.render_page({"evenings": list(evenings)})


def _evening_service_fields(form: EveningForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "meeting_point": data["meeting_point"],
        "meeting_x": data["meeting_x"],
        "meeting_y": data["meeting_y"],
        "briefing": data["briefing"],
    }


class EveningCreateView(PlanningView):
    template_name = "controls/planning/evening_form.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self.render_page({"form": EveningForm(), "evening": None})

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = EveningForm(request.POST)
        if form.is_valid():
            try:
                evening = services.evening_create(
                    actor=self.person, project=self.project, **_evening_service_fields(form)
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, EVENING_SAVED)
                return redirect(self.evening_url(evening.pk))
        return self.render_page({"form": form, "evening": None}, status=400)


class EveningUpdateView(PlanningView):
    template_name = "controls/planning/evening_form.html"

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        form = EveningForm(
            initial={
                "name": evening.name,
                "starts_at": evening.starts_at,
                "ends_at": evening.ends_at,
                "meeting_point": evening.meeting_point,
                "meeting_x": evening.meeting_x,
                "meeting_y": evening.meeting_y,
                "briefing": evening.briefing,
                "version": evening.version,
            }
        )
        return self.render_page({"form": form, "evening": evening})

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        form = EveningForm(request.POST)
        if form.is_valid():
            try:
                services.evening_update(
                    actor=self.person,
                    evening=evening,
                    expected_version=form.cleaned_data["version"] or 0,
                    **_evening_service_fields(form),
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, EVENING_SAVED)
                return redirect(self.evening_url(evening.pk))
        return self.render_page({"form": form, "evening": evening}, status=400)


class EveningView(PlanningView):
    """The evening: its facts, lifecycle, teams with members, and each team's route in order
    with its walking distance. An inspector of one of its teams sees it read only, with only
    their own team's route."""

    project_perm = ProjectPerm.VIEW
    template_name = "controls/planning/evening.html"

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        return self.render_evening(pk)

    def render_evening(self, pk: int, *, status: int = 200, **forms_in_error: Any) -> HttpResponse:
        evening = self.get_evening(pk)
        planner = self.can(ProjectPerm.PLAN_CONTROLS)
        visits = list(
            visit_list_for_user(user=self.person, evening=evening, perms=self.project_perms)
        )
        addresses = {}
        if self.request.GET.get("adressen") == "1" and visits:
            # The real addresses (logged per address by the selector, R20/R21).
            addresses = visit_addresses_for_user(
                user=self.person,
                visits=visits,
                purpose="route van een controleavond inzien",
                perms=self.project_perms,
            )
        else:
            log_shown(
                user=self.person,
                project=self.project,
                name="controleavond inzien",
                address_keys=[visit.address_key for visit in visits],
            )
        teams = list(team_list(evening=evening))
        if not planner:
            # An inspector: their own teams only (visit_list_for_user gave their visits).
            teams = [
                team
                for team in teams
                if any(member.person_id == self.person.pk for member in team.members.all())
            ]
        routes = []
        for team in teams:
            stops = [v for v in visits if v.team_id == team.pk]
            for visit in stops:
                setattr(visit, "address", addresses.get(visit.pk))  # noqa: B010 (shown beside it)
            routes.append(
                {
                    "team": team,
                    "visits": stops,
                    "km": kilometres(team.route_distance_m),
                    "unlocated": sum(1 for v in stops if v.x is None or v.y is None),
                }
            )
        unassigned = [v for v in visits if v.team_id is None]
        for visit in unassigned:
            setattr(visit, "address", addresses.get(visit.pk))  # noqa: B010
        editable = planner and evening.status in EVENING_PLAN_EDITABLE
        context = {
            "evening": evening,
            "routes": routes,
            "unassigned": unassigned,
            "visit_count": len(visits),
            "total_km": kilometres(sum(team.route_distance_m for team in teams)),
            "planner": planner,
            "editable": editable,
            "shows_addresses": bool(addresses),
            "ready_problems": services.evening_ready_problems(evening=evening)
            if editable and evening.status == EveningStatus.GEPLAND
            else [],
            "transitions": [
                {"target": target, "label": TRANSITION_LABELS[target]}
                for target in EveningStatus
                if planner and target in EVENING_TRANSITIONS[EveningStatus(evening.status)]
            ],
            "team_form": forms_in_error.get("team_form") or TeamForm(),
            "member_form": forms_in_error.get("member_form"),
            "member_team": forms_in_error.get("member_team"),
            "people": list(inspector_options(project=self.project)) if editable else [],
            "transition_form": forms_in_error.get("transition_form"),
            "notice": forms_in_error.get("notice", ""),
        }
        return self.render_page(context, status=status)


class EveningTransitionView(EveningView):
    project_perm = ProjectPerm.PLAN_CONTROLS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        form = TransitionForm(request.POST)
        if form.is_valid():
            try:
                evening = services.evening_transition(
                    actor=self.person,
                    evening=evening,
                    target=form.cleaned_data["target"],
                    reason=form.cleaned_data["reason"],
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request, STATUS_CHANGED.format(status=evening.get_status_display().lower())
                )
                return redirect(self.evening_url(evening.pk))
        return self.render_evening(pk, status=400, transition_form=form)


class TeamCreateView(EveningView):
    project_perm = ProjectPerm.PLAN_CONTROLS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = services.team_create(
                    actor=self.person, evening=evening, name=form.cleaned_data["name"]
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, f"{team.name} is toegevoegd.")
                return redirect(self.evening_url(evening.pk, f"team-{team.pk}"))
        return self.render_evening(pk, status=400, team_form=form)


class TeamMembersView(EveningView):
    """Add a member, make one the lead, or take one out (`action`)."""

    project_perm = ProjectPerm.PLAN_CONTROLS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int, team_pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        team = next((t for t in evening.teams.all() if t.pk == team_pk), None)
        if team is None:
            raise Http404
        form = TeamMemberForm(request.POST, people=inspector_options(project=self.project))
        if form.is_valid():
            person, action = form.cleaned_data["person"], form.cleaned_data["action"]
            try:
                if action == "add":
                    services.team_member_add(
                        actor=self.person,
                        team=team,
                        person=person,
                        is_lead=form.cleaned_data["is_lead"],
                    )
                elif action == "lead":
                    services.team_lead_set(actor=self.person, team=team, person=person)
                else:
                    services.team_member_remove(actor=self.person, team=team, person=person)
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, f"Het team {team.name} is bijgewerkt.")
                return redirect(self.evening_url(evening.pk, f"team-{team.pk}"))
        return self.render_evening(pk, status=400, member_form=form, member_team=team.pk)


class RoutesPlanView(EveningView):
    project_perm = ProjectPerm.PLAN_CONTROLS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        try:
            plan = services.evening_routes_plan(actor=self.person, evening=evening)
        except ApplicationError as error:
            return self.render_evening(pk, status=400, notice=error.message)
        messages.success(
            request,
            PLANNED.format(
                count=sum(len(route.stops) for route in plan.routes),
                teams=len(plan.routes),
                km=kilometres(plan.total_distance_m),
            ),
        )
        return redirect(self.evening_url(evening.pk, "routes"))


class VisitMoveView(EveningView):
    """Move an address to another team (at a place), one place earlier or later, or off the
    evening; the distances are recomputed."""

    project_perm = ProjectPerm.PLAN_CONTROLS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int, visit_pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        visit = visit_get_for_user(
            user=self.person, project=self.project, pk=visit_pk, perms=self.project_perms
        )
        if visit.evening_id != evening.pk:
            raise Http404
        teams = list(evening.teams.all())
        form = VisitMoveForm(request.POST, teams=teams)
        notice = "Kies wat er met dit adres moet gebeuren."
        if form.is_valid():
            action = form.cleaned_data["action"]
            try:
                if action == "remove":
                    services.visit_remove(actor=self.person, visit=visit)
                elif action in ("up", "down"):
                    services.visit_shift(
                        actor=self.person, visit=visit, offset=-1 if action == "up" else 1
                    )
                else:
                    team = next((t for t in teams if t.pk == form.cleaned_data["team"]), None)
                    if team is None:
                        raise ApplicationError("Kies het team.", {"field": "team"})
                    services.visit_move(
                        actor=self.person,
                        visit=visit,
                        team=team,
                        position=form.cleaned_data["position"],
                    )
            except ApplicationError as error:
                notice = error.message
            else:
                messages.success(request, f"De route is bijgewerkt ({visit.pseudonym}).")
                return redirect(self.evening_url(evening.pk, "routes"))
        return self.render_evening(pk, status=400, notice=notice)


class EveningAddressesView(PlanningView):
    """Pick approved addresses for the evening (only the current selection is offered; the
    service refuses anything else), optionally straight into one team's route."""

    template_name = "controls/planning/evening_addresses.html"

    def form(self, evening, data=None, proposals=None) -> AssignForm:
        if proposals is None:
            proposals = list(approved_proposals_unplanned(project=self.project, evening=evening))
        return AssignForm(data, proposals=proposals, teams=evening.teams.all())

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        proposals = list(approved_proposals_unplanned(project=self.project, evening=evening))
        log_shown(
            user=self.person,
            project=self.project,
            name="goedgekeurde adressen voor een controleavond inzien",
            address_keys=[proposal.address_key for proposal in proposals],
        )
        return self.render_page(
            {"evening": evening, "form": self.form(evening, proposals=proposals)}
        )

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        evening = self.get_evening(pk)
        form = self.form(evening, request.POST)
        if form.is_valid():
            chosen = set(form.cleaned_data["proposals"])
            proposals = [
                p
                for p in approved_proposals_unplanned(project=self.project, evening=evening)
                if p.pk in chosen
            ]
            team = next((t for t in evening.teams.all() if t.pk == form.cleaned_data["team"]), None)
            try:
                visits = services.visits_assign(
                    actor=self.person, evening=evening, proposals=proposals, team=team
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, ASSIGNED.format(count=len(visits)))
                return redirect(self.evening_url(evening.pk, "routes"))
        return self.render_page({"evening": evening, "form": form}, status=400)


# --- the visit page -------------------------------------------------------------------------


class VisitView(PlanningView):
    """A visit for the projectleider: the address (logged, R21), the result, the findings,
    and 'Waarom dit adres?' to the selection record (issue 11 item 7)."""

    template_name = "controls/planning/visit.html"

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        visit = visit_get_for_user(
            user=self.person, project=self.project, pk=pk, perms=self.project_perms
        )
        addresses = visit_addresses_for_user(
            user=self.person,
            visits=[visit],
            purpose="bezoek van een controleavond inzien",
            perms=self.project_perms,
        )
        findings = findings_with_followup(
            visit=visit,
            findings=finding_list_for_user(
                user=self.person, visit=visit, perms=self.project_perms, log=False
            ),
            perms=self.project_perms,
        )
        return self.render_page(
            {
                "visit": visit,
                "evening": visit.evening,
                "address": addresses.get(visit.pk),
                "findings": findings,
                "objections": objections_for_addresses(self.project, [visit.address_key]).get(
                    visit.address_key, []
                ),
                "record_url": proposal_record_url(slug=self.project.slug, pk=visit.proposal_id),
            }
        )


# --- finding categories ---------------------------------------------------------------------


class CategoryListView(PlanningView):
    template_name = "controls/planning/categories.html"

    def context(self, form: CategoryForm) -> dict[str, Any]:
        return {
            "categories": list(finding_category_list(project=self.project)),
            "form": form,
            "toggle_form": CategoryToggleForm(),
        }

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        category_services.finding_categories_ensure_defaults(project=self.project)
        return self.render_page(self.context(CategoryForm()))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = category_services.finding_category_create(
                    actor=self.person, project=self.project, **form.cleaned_data
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, f"De categorie ‘{category.label}’ is toegevoegd.")
                return redirect("controls:categories", slug=self.project.slug)
        return self.render_page(self.context(form), status=400)


class CategoryView(PlanningView):
    """Rename a category or change its usual referral (POST with the form), or take it out of
    use and back (POST with `active`)."""

    template_name = "controls/planning/category_form.html"

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        category = finding_category_get(project=self.project, pk=pk)
        form = CategoryForm(
            initial={
                "label": category.label,
                "referral_kind": category.referral_kind,
                "target_unit": category.target_unit,
                "description": category.description,
            }
        )
        return self.render_page({"category": category, "form": form})

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        category = finding_category_get(project=self.project, pk=pk)
        if "active" in request.POST:
            toggle = CategoryToggleForm(request.POST)
            if toggle.is_valid():
                try:
                    category_services.finding_category_set_active(
                        actor=self.person, category=category, active=toggle.cleaned_data["active"]
                    )
                except ApplicationError as error:
                    messages.error(request, error.message)
            return redirect("controls:categories", slug=self.project.slug)
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category_services.finding_category_update(
                    actor=self.person, category=category, **form.cleaned_data
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, "De categorie is opgeslagen.")
                return redirect("controls:categories", slug=self.project.slug)
        return self.render_page({"category": category, "form": form}, status=400)
