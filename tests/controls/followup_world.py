"""Evenings, visits and findings to follow up, for the referral tests and the access matrix.

Evenings, teams and visits are made here as factories (the planning services are CONTROLS'
part); findings likewise; referrals only through controls.services.referrals.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from controls.constants import EveningStatus, ReferralKind
from controls.models import (
    Controleavond,
    Finding,
    FindingCategory,
    Team,
    TeamMember,
    Visit,
)


def categories_ensure(project) -> dict[str, FindingCategory]:
    """The default finding categories of `project` (code -> category), through CONTROLS'
    service (idempotent)."""
    from controls.services.categories import finding_categories_ensure_defaults

    finding_categories_ensure_defaults(project=project)
    return {c.code: c for c in FindingCategory.objects.filter(project=project)}


def evening_with_visits(
    *, project, leader, proposals, inspectors=(), status=EveningStatus.UITGEVOERD
):
    """One evening (in `status`) with one team of `inspectors` visiting every approved
    proposal, in order; returns (evening, team, visits)."""
    evening = Controleavond.objects.create(
        project=project,
        name="Controleavond Oude Westen",
        starts_at=timezone.now(),
        meeting_point="Buurthuis De Schakel",
        status=status,
        created_by=leader,
    )
    team = Team.objects.create(evening=evening, name="Team 1")
    for index, person in enumerate(inspectors):
        TeamMember.objects.create(team=team, person=person, is_lead=index == 0)
    visits = [
        Visit.objects.create(
            evening=evening,
            team=team,
            proposal=proposal,
            project=project,
            address_key=proposal.address_key,
            pseudonym=proposal.pseudonym,
            buurtcode=proposal.buurtcode,
            route_position=position + 1,
            result="aangetroffen",
            residents_found=2,
            visited_at=timezone.now(),
            recorded_by=inspectors[0] if inspectors else leader,
        )
        for position, proposal in enumerate(proposals)
    ]
    return evening, team, visits


def finding_make(*, visit, category, by, description="Vastgesteld tijdens het huisbezoek."):
    return Finding.objects.create(
        visit=visit,
        category=category,
        description=description,
        client_id=uuid.uuid4(),
        recorded_by=by,
    )


def matrix_followup_setup(mp) -> None:
    """Access-matrix hook: a second partner organisation in the project (UWV's twin:
    Belastingdienst in A, UWV in B), a behandelaar of the partner, an evening with the approved
    address visited by the project's inspecteur, three findings and three referrals: to the
    partner (verzonden, and one in behandeling) and to the second organisation (verzonden)."""
    from controls.services import referrals
    from partners.models import Organisation
    from projects.constants import Role
    from projects.models import ProjectRole
    from projects.services import project_partner_add
    from tests.factories import member, otp_device_for

    project = mp.project
    cast = mp.extra["cast"]
    leader, partner = cast["projectleider"], cast["partner"]
    second = Organisation.objects.get(name="Belastingdienst" if partner.name == "UWV" else "UWV")
    project_partner_add(actor=leader, project=project, organisation=second)
    roles = ProjectRole.objects.active().filter(project=project)
    handler_role = roles.filter(role=Role.BEHANDELAAR, person__organisation=partner).first()
    if handler_role is not None:
        handler = handler_role.person
    else:
        handler = member(
            project, f"behandelaar_{project.pk}", partner, Role.BEHANDELAAR, actor=leader
        )
        otp_device_for(handler)
    handler_second = member(
        project, f"behandelaar2_{project.pk}", second, Role.BEHANDELAAR, actor=leader
    )
    inspectors = [r.person for r in roles.filter(role=Role.INSPECTEUR)]
    _evening, _team, visits = evening_with_visits(
        project=project, leader=leader, proposals=[mp.extra["approved"]], inspectors=inspectors
    )
    categories = categories_ensure(project)
    visit = visits[0]
    findings = [
        finding_make(visit=visit, category=categories[code], by=leader)
        for code in ("uitkeringsfraude", "toeslagfraude", "adresfraude")
    ]
    sent = referrals.referral_create(
        actor=leader, finding=findings[0], kind=ReferralKind.HANDHAVING, organisation=partner
    )
    started = referrals.referral_create(
        actor=leader, finding=findings[1], kind=ReferralKind.HANDHAVING, organisation=partner
    )
    started = referrals.referral_start(
        actor=handler, referral=referrals.referral_receive(actor=handler, referral=started)
    )
    elsewhere = referrals.referral_create(
        actor=leader, finding=findings[0], kind=ReferralKind.HANDHAVING, organisation=second
    )
    mp.extra.update(
        visit=visit,
        finding=findings[1],
        fresh_finding=findings[2],
        referral=sent,
        referral_started=started,
        referral_elsewhere=elsewhere,
        second_organisation=second,
        handler=handler,
        handler_second=handler_second,
    )
