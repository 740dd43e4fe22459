"""Access rows of the planner's pages (controls.urls.planning, issue 11 items 1 and 6).

Each project gets, through the services, an evening (gepland, so POST rows may still change
it) with one team and the project's approved address routed in it; on project A the matrix's
`inspecteur` (UWV) leads that team, so the evening page is theirs as well (read only), and
every other page of the planner is the projectleider's (PLAN_CONTROLS). The `@twin` rows point
this project's slug at the other project's objects (IDOR probe): 404 for everyone.
"""

from __future__ import annotations

from datetime import timedelta

from tests.access_matrix import (
    KWARGS,
    SETUP_HOOKS,
    MatrixProject,
    Row,
    leader_only,
    object_kwargs,
    only,
)


def _controls_setup(mp: MatrixProject) -> None:
    from django.utils import timezone

    from controls.models import FindingCategory, Visit
    from controls.services import evenings as services
    from controls.services.categories import finding_categories_ensure_defaults
    from partners.models import User

    project, leader = mp.project, mp.extra["cast"]["projectleider"]
    finding_categories_ensure_defaults(project=project)
    evening = services.evening_create(
        actor=leader,
        project=project,
        starts_at=timezone.now() + timedelta(days=1),
        meeting_point="Buurthuis",
    )
    team = services.team_create(actor=leader, evening=evening, name="Team 1")
    inspecteur = User.objects.filter(username="inspecteur_a").first()
    if inspecteur is not None and project.roles.filter(person=inspecteur).exists():
        services.team_member_add(actor=leader, team=team, person=inspecteur, is_lead=True)
    services.visits_assign(actor=leader, evening=evening, proposals=[mp.extra["approved"]])
    services.evening_routes_plan(actor=leader, evening=evening)
    evening.refresh_from_db()
    mp.extra.update(
        evening=evening,
        team=team,
        visit=Visit.objects.get(evening=evening),
        category=FindingCategory.objects.filter(project=project).order_by("pk").first(),
    )


SETUP_HOOKS.append(_controls_setup)
for _key in ("evening", "visit", "category"):
    object_kwargs(_key)


def _team_kwargs(mp: MatrixProject) -> dict:
    return {"slug": mp.project.slug, "pk": mp.extra["evening"].pk, "team_pk": mp.extra["team"].pk}


def _team_twin_kwargs(mp: MatrixProject) -> dict:
    twin = mp.extra["twin"].extra
    return {"slug": mp.project.slug, "pk": twin["evening"].pk, "team_pk": twin["team"].pk}


def _visit_move_kwargs(mp: MatrixProject) -> dict:
    return {
        "slug": mp.project.slug,
        "pk": mp.extra["evening"].pk,
        "visit_pk": mp.extra["visit"].pk,
    }


def _visit_move_twin_kwargs(mp: MatrixProject) -> dict:
    twin = mp.extra["twin"].extra
    return {"slug": mp.project.slug, "pk": twin["evening"].pk, "visit_pk": twin["visit"].pk}


KWARGS["team"] = _team_kwargs
KWARGS["team@twin"] = _team_twin_kwargs
KWARGS["visit_move"] = _visit_move_kwargs
KWARGS["visit_move@twin"] = _visit_move_twin_kwargs


def _evening_data(mp: MatrixProject) -> dict:
    from django.utils import timezone

    starts = timezone.localtime() + timedelta(days=3)
    return {
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "meeting_point": "Wijkcentrum",
        "version": mp.extra["evening"].version,
    }


def _member_data(mp: MatrixProject) -> dict:
    from partners.models import User

    person = User.objects.filter(username="inspecteur_a").first()
    return {"action": "lead", "person": person.pk if person else 0}


def _assign_data(mp: MatrixProject) -> dict:
    return {"proposals": [mp.extra["approved"].pk]}  # already on the evening: the form says so


ROWS: list[Row] = [
    # --- evenings (PLAN_CONTROLS; the evening page also for its team's inspector) ---
    Row("controls:evenings", leader_only(200), personal_data=True),
    Row("controls:evening-create", leader_only(200), personal_data=True),
    Row("controls:evening-create", leader_only(302), method="post", data=_evening_data),
    Row(
        "controls:evening",
        only(200, "projectleider", "inspecteur"),
        kwargs="evening",
        personal_data=True,
    ),
    Row("controls:evening", only(404), kwargs="evening@twin"),
    Row("controls:evening-update", leader_only(200), kwargs="evening", personal_data=True),
    Row(
        "controls:evening-update",
        leader_only(302),
        method="post",
        kwargs="evening",
        data=_evening_data,
    ),
    Row("controls:evening-update", only(404), kwargs="evening@twin"),
    Row(
        "controls:evening-transition",
        # Cancelling a planned evening (with a reason): no gate.
        leader_only(302),
        method="post",
        kwargs="evening",
        data={"target": "geannuleerd", "reason": "Onweer"},
    ),
    Row("controls:evening-transition", leader_only(405), kwargs="evening"),
    Row(
        "controls:evening-transition",
        only(404),
        method="post",
        kwargs="evening@twin",
        data={"target": "geannuleerd", "reason": "Onweer"},
    ),
    Row(
        "controls:evening-addresses",
        leader_only(200),
        kwargs="evening",
        personal_data=True,
    ),
    Row(
        "controls:evening-addresses",
        leader_only(400),
        method="post",
        kwargs="evening",
        data=_assign_data,
    ),
    Row("controls:evening-addresses", only(404), kwargs="evening@twin"),
    Row("controls:routes-plan", leader_only(302), method="post", kwargs="evening"),
    Row("controls:routes-plan", leader_only(405), kwargs="evening"),
    Row("controls:routes-plan", only(404), method="post", kwargs="evening@twin"),
    Row(
        "controls:team-create",
        leader_only(302),
        method="post",
        kwargs="evening",
        data={"name": "Team 2"},
    ),
    Row("controls:team-create", leader_only(405), kwargs="evening"),
    Row(
        "controls:team-create",
        only(404),
        method="post",
        kwargs="evening@twin",
        data={"name": "Team 2"},
    ),
    Row("controls:team-members", leader_only(302), method="post", kwargs="team", data=_member_data),
    Row("controls:team-members", leader_only(405), kwargs="team"),
    Row("controls:team-members", only(404), method="post", kwargs="team@twin", data=_member_data),
    Row(
        "controls:visit-move",
        leader_only(302),
        method="post",
        kwargs="visit_move",
        data={"action": "up"},  # already first: a no-op move, still a valid request
    ),
    Row("controls:visit-move", leader_only(405), kwargs="visit_move"),
    Row(
        "controls:visit-move",
        only(404),
        method="post",
        kwargs="visit_move@twin",
        data={"action": "up"},
    ),
    # --- the visit page (PLAN_CONTROLS; the address, logged) ---
    Row("controls:visit", leader_only(200), kwargs="visit", personal_data=True),
    Row("controls:visit", only(404), kwargs="visit@twin"),
    # --- finding categories (PLAN_CONTROLS) ---
    Row("controls:categories", leader_only(200), personal_data=True),
    Row(
        "controls:categories",
        leader_only(302),
        method="post",
        data={"label": "Asbest", "referral_kind": "handhaving"},
    ),
    Row("controls:category", leader_only(200), kwargs="category", personal_data=True),
    Row(
        "controls:category",
        leader_only(302),
        method="post",
        kwargs="category",
        data={"active": "0"},
    ),
    Row("controls:category", only(404), kwargs="category@twin"),
]

# Pages that show pseudonymised or real addresses: one processing-log record per address.
SUBJECT_ROWS = {
    "controls:evening": lambda mp: [mp.extra["visit"].address_key],
    "controls:visit": lambda mp: [mp.extra["visit"].address_key],
}
