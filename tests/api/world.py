"""What the REST API's tests add to the access matrix's world (tests/access_setup.py).

`api_setup(mp)` (a setup hook, registered by tests/access_rows/rest_api.py, after the
follow-up's hook so that its evening, findings and referrals to two partner organisations are
there: tests/controls/followup_world.py) gives each matrix project a REST client per role: a
client account of the role-holder's organisation holding that role in the project (granted
by the projectleider through the service, like a person's), with its token. Project A gets
one per matrix role, plus `behandelaar_read` (the behandelaar's role with the read-only scope)
and `behandelaar_second` (a behandelaar of the second partner organisation); project B its
projectleider's and its partner's behandelaar.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

# matrix role -> (whose organisation in the cast, project role, scope)
CLIENT_ROLES = {
    "projectleider": ("municipality", "projectleider", "read"),
    "analist": ("municipality", "analist", "read"),
    "inspecteur": ("partner", "inspecteur", "read"),
    "behandelaar": ("partner", "behandelaar", "read_referral_outcome"),
    "adviseur": ("vng", "adviseur", "read"),
    "partner_analist": ("partner", "analist", "read"),
    "behandelaar_read": ("partner", "behandelaar", "read"),
    "behandelaar_second": ("second", "behandelaar", "read_referral_outcome"),
    # The access matrix's later roles (issue 8): leveranciers of both partners, and a client
    # of the municipality without any role standing in for superuser and staff (no role: no data).
    "leverancier": ("partner", "leverancier", "read"),
    "leverancier_bd": ("second", "leverancier", "read"),
    "privacy_officer": ("municipality", "privacy_officer", "read"),
    "superuser": ("municipality", None, "read"),
    "staff": ("municipality", None, "read"),
}
OTHER_PROJECT_CLIENTS = ("projectleider", "behandelaar")


def api_client_with_role(*, organisation, name: str, project, role: str | None, scope: str, actor):
    """A REST client of `organisation` (issued as the operator) whose account holds `role`
    in `project` (granted by `actor`); returns (account, token)."""
    from partners.services import api_client_issue
    from projects.services import role_grant

    issued = api_client_issue(
        actor=None,
        organisation=organisation,
        name=name,
        scope=scope,
        expires_at=timezone.now() + timedelta(days=30),
    )
    if role is not None:
        role_grant(actor=actor, project=project, person=issued.client.account, role=role)
    return issued.client.account, issued.token


def api_setup(mp) -> None:
    from partners.models import Organisation

    cast = mp.extra["cast"]
    organisations = {
        "municipality": cast["municipality"],
        "partner": cast["partner"],
        "second": mp.extra["second_organisation"],
        "vng": Organisation.objects.filter(kind="vng_naleving").first(),
    }
    # Project A is the one VNG Naleving advises (tests/access_setup.world_build).
    advised = organisations["vng"] is not None and (
        mp.project.partners.active().filter(organisation=organisations["vng"]).exists()
    )
    roles = CLIENT_ROLES if advised else {r: CLIENT_ROLES[r] for r in OTHER_PROJECT_CLIENTS}
    clients = {}
    for matrix_role, (whose, role, scope) in roles.items():
        clients[matrix_role] = api_client_with_role(
            organisation=organisations[whose],
            name=f"{mp.project.slug} {matrix_role}",
            project=mp.project,
            role=role,
            scope=scope,
            actor=cast["projectleider"],
        )
    mp.extra["api"] = clients
    # The inspecteur's client is in the team of the visit, like the inspecteur (a factory row:
    # the planning services are controls').
    from controls.models import TeamMember

    visit = mp.extra["visit"]
    mp.extra["api_visit"] = visit
    if "inspecteur" in clients:
        TeamMember.objects.create(team=visit.team, person=clients["inspecteur"][0])


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
