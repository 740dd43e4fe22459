"""Access rows of the inspector's tablet (controls/urls/field.py, issue 11 item 6).

An inspector sees the visits of their own teams on evenings they take part in; the
projectleider every visit of the project; nobody else any (404, never 403). The setup hook
builds, on each project, three evenings of tonight through CONTROLS' services:

* `evening_tonight`: Team 1, led by the project's inspecteur (UWV, a partner organisation),
  with the approved address as its visit (`visit_own`) and a finding on it (`finding_own`);
* `evening_shared`: Team A led by the inspecteur without addresses, Team B led by a gemeente
  handhaver (the other organisation) with the address (`visit_other_team`): the inspecteur
  takes part in the evening but gets 404 on the other team's visit;
* `evening_without`: only the handhaver's team: the inspecteur gets 404 on its route.
"""

from __future__ import annotations

import uuid

from tests.access_matrix import (
    SETUP_HOOKS,
    SUBJECT_ROWS,
    Row,
    everyone,
    object_kwargs,
    only,
)
from tests.access_setup import MatrixProject

FIELD = ("projectleider", "inspecteur")


def _field_setup(mp: MatrixProject) -> None:
    from django.utils import timezone

    from controls.models import FindingCategory
    from controls.services import evenings as ev
    from controls.services.categories import finding_categories_ensure_defaults
    from controls.services.recording import finding_record
    from projects.constants import Role
    from projects.models import ProjectRole
    from tests.factories import member

    project, cast = mp.project, mp.extra["cast"]
    leader = cast["projectleider"]
    role = ProjectRole.objects.active().filter(project=project, role=Role.INSPECTEUR).first()
    inspecteur = (
        role.person
        if role
        else member(project, f"inspecteur_{project.pk}", cast["partner"], Role.INSPECTEUR)
    )
    handhaver = member(project, f"handhaver_{project.pk}", cast["municipality"], Role.INSPECTEUR)
    finding_categories_ensure_defaults(project=project)
    tonight = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    proposal = mp.extra["approved"]

    def evening(name: str, teams: list[tuple[str, object, bool]]):
        planned = ev.evening_create(
            actor=leader, project=project, starts_at=tonight, meeting_point="Buurthuis", name=name
        )
        made = {}
        for team_name, person, with_visit in teams:
            team = ev.team_create(actor=leader, evening=planned, name=team_name)
            ev.team_member_add(actor=leader, team=team, person=person, is_lead=True)
            if with_visit:
                made["visit"] = ev.visits_assign(
                    actor=leader, evening=planned, proposals=[proposal], team=team
                )[0]
        ready = ev.evening_transition(actor=leader, evening=planned, target="voorbereid")
        return ready, made["visit"]

    mp.extra["evening_tonight"], visit = evening("Vanavond", [("Team 1", inspecteur, True)])
    mp.extra["evening_shared"], mp.extra["visit_other_team"] = evening(
        "Gedeeld", [("Team A", inspecteur, False), ("Team B", handhaver, True)]
    )
    mp.extra["evening_without"], _ = evening("Zonder", [("Team X", handhaver, True)])
    mp.extra["visit_own"] = visit
    category = FindingCategory.objects.get(project=project, code="brandgevaar")
    mp.extra["finding_own"] = finding_record(
        actor=leader, visit=visit, category=category, description="Gasfles", client_id=uuid.uuid4()
    ).finding
    mp.extra["field_inspecteur"] = inspecteur


SETUP_HOOKS.append(_field_setup)
for _key in (
    "evening_tonight",
    "evening_shared",
    "evening_without",
    "visit_own",
    "visit_other_team",
    "finding_own",
):
    object_kwargs(_key)


def _result(key: str):
    def data(mp: MatrixProject) -> dict:
        return {
            "result": "aangetroffen",
            "residents_found": "2",
            "notes": "",
            "version": mp.extra[key].version,
            "client_id": str(uuid.uuid4()),
        }

    return data


def _finding(mp: MatrixProject) -> dict:
    return {"category": "overbewoning", "description": "Matrassen", "client_id": str(uuid.uuid4())}


def _finding_edit(mp: MatrixProject) -> dict:
    return {**_finding(mp), "version": mp.extra["finding_own"].version}


def _field(status: int) -> dict[str, int]:
    return only(status, *FIELD)


ROWS: list[Row] = [
    # Tonight's evenings: who records visits (the inspecteur).
    Row("controls:tonight", only(200, "inspecteur")),
    # The route: the inspecteur of a team on the evening, and the projectleider.
    Row("controls:route", _field(200), kwargs="evening_tonight", personal_data=True),
    Row("controls:route", _field(200), kwargs="evening_shared", personal_data=True),
    Row("controls:route", only(200, "projectleider"), kwargs="evening_without"),
    Row("controls:route", everyone(404), kwargs="evening_tonight@twin"),
    # The visit forms without JavaScript: POST, then back to the route.
    Row(
        "controls:visit-result",
        _field(302),
        method="post",
        kwargs="visit_own",
        data=_result("visit_own"),
    ),
    Row("controls:visit-result", _field(405), kwargs="visit_own"),
    Row(
        "controls:visit-result",
        only(302, "projectleider"),  # the inspecteur is on the evening, not in this team
        method="post",
        kwargs="visit_other_team",
        data=_result("visit_other_team"),
    ),
    Row(
        "controls:visit-result",
        everyone(404),
        method="post",
        kwargs="visit_own@twin",
        data=_result("visit_own"),
    ),
    Row("controls:visit-finding", _field(302), method="post", kwargs="visit_own", data=_finding),
    Row(
        "controls:visit-finding",
        only(302, "projectleider"),
        method="post",
        kwargs="visit_other_team",
        data=_finding,
    ),
    Row(
        "controls:visit-finding",
        everyone(404),
        method="post",
        kwargs="visit_own@twin",
        data=_finding,
    ),
    # The sync endpoints (JSON or form data; the client id as Idempotency-Key or client_id).
    Row(
        "controls:sync-visit-result",
        _field(201),
        method="post",
        kwargs="visit_own",
        data=_result("visit_own"),
    ),
    Row(
        "controls:sync-visit-result",
        only(201, "projectleider"),
        method="post",
        kwargs="visit_other_team",
        data=_result("visit_other_team"),
    ),
    Row("controls:sync-visit-result", _field(405), kwargs="visit_own"),
    Row(
        "controls:sync-visit-finding", _field(201), method="post", kwargs="visit_own", data=_finding
    ),
    Row(
        "controls:sync-visit-finding",
        only(201, "projectleider"),
        method="post",
        kwargs="visit_other_team",
        data=_finding,
    ),
    Row(
        "controls:sync-visit-finding",
        everyone(404),
        method="post",
        kwargs="visit_own@twin",
        data=_finding,
    ),
    Row(
        "controls:sync-finding",
        _field(200),
        method="post",
        kwargs="finding_own",
        data=_finding_edit,
    ),
    Row(
        "controls:sync-finding",
        everyone(404),
        method="post",
        kwargs="finding_own@twin",
        data=_finding_edit,
    ),
]

# R21: the projectleider's route of tonight shows one address: one record.
SUBJECT_ROWS.update({"controls:route": lambda mp: [mp.extra["visit_own"].address_key]})
