"""Roles grant exactly their permissions and lose them again; every change is audited (R5, R7)."""

from datetime import date, timedelta

from django.utils import timezone

import pytest
from guardian.shortcuts import get_perms

from partners import services as partner_services
from projects import services
from projects.constants import ROLE_PERMISSIONS, ProjectPerm, Role
from projects.models import ProjectRole
from projects.selectors import PERSONAL_DATA_PERMS, user_has_project_perm
from projects.services import project_partner_add, project_partner_remove
from tests.factories import OrganisationFactory, UserFactory, pdf_file
from wijkaanpak.core.exceptions import ApplicationError, NotPermitted
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db


def _perms(user, project) -> set[str]:
    return set(get_perms(user, project))


def _effective(user, project) -> set[ProjectPerm]:
    return {
        perm for perm in ProjectPerm if user_has_project_perm(user=user, project=project, perm=perm)
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_grant_gives_exactly_its_permissions_and_one_event(
    role, project_a, project_b, gemeente_a, vng
):
    organisation = vng if role == Role.ADVISEUR else gemeente_a
    if role == Role.ADVISEUR:
        project_partner_add(actor=project_a.created_by, project=project_a, organisation=vng)
    person = UserFactory(username=f"p_{role.value}", organisation=organisation)
    events_before = Event.objects.filter(kind="role_granted").count()

    project_role = services.role_grant(
        actor=project_a.created_by, project=project_a, person=person, role=role
    )

    assert _perms(person, project_a) == {perm.value for perm in ROLE_PERMISSIONS[role]}
    assert _effective(person, project_a) == set(ROLE_PERMISSIONS[role])
    assert _perms(person, project_b) == set()
    assert _effective(person, project_b) == set()
    events = Event.objects.filter(kind="role_granted")
    assert events.count() == events_before + 1
    event = events.first()
    assert (event.actor, event.project, event.object_id, event.to_state) == (
        project_a.created_by,
        project_a,
        str(project_role.pk),
        role.value,
    )
    assert event.data["permissions"] == sorted(p.value for p in ROLE_PERMISSIONS[role])

    services.role_end(actor=project_a.created_by, project_role=project_role, reason="klaar")
    assert _perms(person, project_a) == set()
    assert _effective(person, project_a) == set()
    assert Event.objects.filter(kind="role_ended", object_id=str(project_role.pk)).count() == 1


def test_role_end_keeps_permissions_another_active_role_needs(project_a, gemeente_a):
    person = UserFactory(username="dubbel", organisation=gemeente_a)
    analist = services.role_grant(
        actor=project_a.created_by, project=project_a, person=person, role=Role.ANALIST
    )
    services.role_grant(
        actor=project_a.created_by, project=project_a, person=person, role=Role.INSPECTEUR
    )
    assert _perms(person, project_a) == {
        p.value for p in ROLE_PERMISSIONS[Role.ANALIST] | ROLE_PERMISSIONS[Role.INSPECTEUR]
    }

    services.role_end(actor=project_a.created_by, project_role=analist)

    assert _perms(person, project_a) == {p.value for p in ROLE_PERMISSIONS[Role.INSPECTEUR]}
    assert ProjectPerm.VIEW.value in _perms(person, project_a)  # shared by both roles: kept
    assert not user_has_project_perm(user=person, project=project_a, perm=ProjectPerm.RUN_MATCHING)


def test_role_grant_refusals(project_a, project_b, gemeente_b, belastingdienst, uwv, analist_a):
    outsider = UserFactory(username="buiten", organisation=belastingdienst)
    with pytest.raises(ApplicationError) as excinfo:
        services.role_grant(
            actor=project_a.created_by, project=project_a, person=outsider, role=Role.ANALIST
        )
    assert excinfo.value.message == services.ROLE_ORGANISATION_NOT_PARTNER.format(
        persoon=outsider, organisatie=belastingdienst
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.role_grant(
            actor=project_a.created_by, project=project_a, person=analist_a, role=Role.ANALIST
        )
    assert excinfo.value.message == services.ROLE_ALREADY_ACTIVE.format(persoon=analist_a)
    uwv_person = UserFactory(username="uwv_adv", organisation=uwv)
    with pytest.raises(ApplicationError) as excinfo:
        services.role_grant(
            actor=project_a.created_by, project=project_a, person=uwv_person, role=Role.ADVISEUR
        )
    assert excinfo.value.message == services.ROLE_ADVISEUR_ONLY_VNG
    # Someone who is not the projectleider (the analist, or project B's leader) cannot grant.
    for actor in (analist_a, project_b.created_by):
        with pytest.raises(NotPermitted) as excinfo:
            services.role_grant(
                actor=actor, project=project_a, person=uwv_person, role=Role.INSPECTEUR
            )
        assert excinfo.value.message == services.NOT_PROJECTLEIDER
    assert not ProjectRole.objects.filter(person=uwv_person).exists()
    assert Event.objects.filter(kind="role_granted", data__person=uwv_person.pk).count() == 0


def test_partner_removal_ends_roles_and_permissions_at_once(
    project_a, uwv, inspecteur_a, behandelaar_a
):
    assert user_has_project_perm(user=inspecteur_a, project=project_a, perm=ProjectPerm.VIEW)
    partner = project_a.partners.active().get(organisation=uwv)

    project_partner_remove(actor=project_a.created_by, partner=partner, reason="convenant opgezegd")

    for person in (inspecteur_a, behandelaar_a):
        assert _perms(person, project_a) == set()
        assert _effective(person, project_a) == set()
        assert not ProjectRole.objects.active().filter(person=person).exists()
    assert Event.objects.filter(kind="role_ended", project=project_a).count() == 2
    assert Event.objects.filter(kind="partner_removed", project=project_a).count() == 1


def test_expired_convenant_removes_personal_data_perms_on_next_check(
    project_a, uwv, inspecteur_a, convenants
):
    assert user_has_project_perm(
        user=inspecteur_a, project=project_a, perm=ProjectPerm.VIEW_ADDRESSES
    )
    convenant = next(c for c in convenants if c.organisation == uwv)

    partner_services.convenant_end(
        actor=project_a.created_by,
        convenant=convenant,
        valid_until=timezone.localdate() - timedelta(days=1),
    )

    # The very next check: personal-data permissions are gone, the plain view permission stays.
    for perm in ROLE_PERMISSIONS[Role.INSPECTEUR]:
        assert user_has_project_perm(user=inspecteur_a, project=project_a, perm=perm) is (
            perm not in PERSONAL_DATA_PERMS
        )
    assert Event.objects.filter(kind="convenant_ended", object_id=str(convenant.pk)).count() == 1


def test_project_convenant_register(project_a, project_b, gemeente_a):
    corporatie = OrganisationFactory(name="Woonstichting Test", kind="woningcorporatie")
    project_partner_add(actor=project_a.created_by, project=project_a, organisation=corporatie)
    leader = project_a.created_by
    common = {"reference": "AC-1", "valid_from": date(2025, 1, 1), "document": pdf_file()}

    with pytest.raises(ApplicationError) as excinfo:
        services.project_convenant_register(
            actor=leader, project=project_a, organisation=corporatie, kind="lsi", **common
        )
    assert excinfo.value.message == partner_services.CONVENANT_LSI_NOT_PARTY.format(
        organisatie=corporatie
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.project_convenant_register(
            actor=leader,
            project=project_a,
            organisation=corporatie,
            kind="aanvullend",
            reference="AC-1",
            valid_from=date(2025, 1, 1),
            valid_until=date(2024, 1, 1),
        )
    assert excinfo.value.message == partner_services.CONVENANT_PERIOD_INVALID
    with pytest.raises(NotPermitted):
        services.project_convenant_register(
            actor=project_b.created_by,
            project=project_a,
            organisation=corporatie,
            kind="aanvullend",
            **common,
        )
    outsider = OrganisationFactory(name="Niet Partner", kind="woningcorporatie")
    with pytest.raises(ApplicationError) as excinfo:
        services.project_convenant_register(
            actor=leader, project=project_a, organisation=outsider, kind="aanvullend", **common
        )
    assert excinfo.value.message == services.CONVENANT_ORGANISATION_NOT_PARTNER.format(
        organisatie=outsider
    )
    assert not corporatie.convenanten.exists()

    convenant = services.project_convenant_register(
        actor=leader, project=project_a, organisation=corporatie, kind="aanvullend", **common
    )
    assert (
        convenant.project == project_a
    )  # an aanvullend convenant from a project holds for it only
    assert (
        Event.objects.filter(kind="convenant_registered", object_id=str(convenant.pk)).count() == 1
    )


def test_a_leverancier_needs_an_organisation_that_takes_part(project_a, belastingdienst, uwv):
    """Issue 8 item 4: the role leverancier, like every role, only for a person whose
    organisation takes part; it delivers and sees the project, nothing more."""
    outsider = UserFactory(username="lev_bd", organisation=belastingdienst)
    with pytest.raises(ApplicationError) as excinfo:
        services.role_grant(
            actor=project_a.created_by, project=project_a, person=outsider, role=Role.LEVERANCIER
        )
    assert excinfo.value.message == services.ROLE_ORGANISATION_NOT_PARTNER.format(
        persoon=outsider, organisatie=belastingdienst
    )
    assert _perms(outsider, project_a) == set()
    person = UserFactory(username="lev_uwv", organisation=uwv)
    services.role_grant(
        actor=project_a.created_by, project=project_a, person=person, role=Role.LEVERANCIER
    )
    assert _effective(person, project_a) == {ProjectPerm.VIEW, ProjectPerm.DELIVER}
