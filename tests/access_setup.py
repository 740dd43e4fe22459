"""The cast and the objects of the access matrix, built once per test module (security R1/R2/R5).

tests/conftest.py builds the same cast per test (function fixtures): gemeente A + UWV on
project A, gemeente B + Belastingdienst on project B, VNG advising A, one person per role. The
matrix has several hundred cells, and building two projects with deliveries and a matching run
for each cell would take minutes, so `world_build` builds them once, through the real services,
inside a transaction that the module rolls back (`world_transaction`); each cell then runs in a
savepoint of it (pytest-django's `db`), so a POST in one cell never leaks into the next.

Intake and matching reuse the other engineers' helpers: `tests.matching.conftest.deliver` (upload
+ process of the wijk-300 sample files) and `run_inline` (a matching run in this process).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from projects.constants import Role
from tests.factories import (
    ConvenantFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    member,
    otp_device_for,
)

# The sample files of tests/fixtures/wijk-300 the matrix delivers: the municipality's BAG (the
# project area) and two partners' signals; SAMENLOOP_SIGNALEN fires on the three addresses both
# name (5912DP 137, 5914PR 154 B BIS, 5916QN 184), so each run has three risk addresses.
MATRIX_FILES = [
    ("bag.csv", "bag", "gemeente"),
    ("signaal_corporatie.csv", "signaal", "gemeente"),
    ("signaal_uwv.csv", "signaal", "partner"),
    # The second partner's own delivery (the Belastingdienst's toeslagen in project A), made by
    # its leverancier: the other partner's people must never see it (issue 8 item 4).
    ("toeslag.csv", "toeslag", "partner_b"),
]


@dataclass
class MatrixProject:
    """A project in the matrix and the objects its URL kwargs point at.

    `extra["cast"]` holds its people: projectleider, analist, partner_analist (a member of the
    delivering partner organisation), partner_b_leverancier (the second partner's leverancier)
    and the organisations (municipality, partner, partner_b).
    """

    project: object
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    people: dict  # matrix role -> person on project A (tests/access_matrix.ROLES)
    own: MatrixProject  # project A
    other: MatrixProject  # project B
    organisations: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)  # (username, verified) -> session key

    def log_in(self, client, person, *, verified: bool = True):
        """Put `person`'s session, made once by `world_build`, on the test client (a login
        per cell costs more than the cell's requests)."""
        from django.conf import settings

        client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[(person.username, verified)]
        return client


def _session_key(person, *, verified: bool) -> str:
    """A real session: password login (force_login), and the second factor when `verified`."""
    from django.conf import settings
    from django.test import Client

    from tests.factories import login_verified

    client = Client()
    if verified:
        login_verified(client, person)
    else:
        client.force_login(person)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def world_build(hooks) -> World:
    """The cast of tests/conftest.py plus the delivering partners' people (project A: UWV's
    analist and leverancier, the Belastingdienst's leverancier; project B likewise the other
    way round), project B's analists, and a superuser and a functional administrator (staff)
    of gemeente A without any role; then every setup hook on both projects (project A first)."""
    from django.contrib.auth.models import Permission

    from projects.services import project_partner_add

    gemeente_a = OrganisationFactory(name="Gemeente Aadorp", kind="gemeente", gemeentecode="0001")
    gemeente_b = OrganisationFactory(name="Gemeente Bedorp", kind="gemeente", gemeentecode="0002")
    uwv = OrganisationFactory(name="UWV", kind="uwv")
    belastingdienst = OrganisationFactory(name="Belastingdienst", kind="belastingdienst")
    vng = OrganisationFactory(name="VNG Naleving", kind="vng_naleving")
    for organisation in (gemeente_a, gemeente_b, uwv, belastingdienst, vng):
        ConvenantFactory(organisation=organisation)

    projectleider_a = UserFactory(username="pl_a", organisation=gemeente_a)
    projectleider_b = UserFactory(username="pl_b", organisation=gemeente_b)
    # Two delivering partners in each project, so that every object-level case is tried
    # across partners too (IDOR both ways, issue 8 item 4).
    project_a = ProjectFactory(created_by=projectleider_a, partners=[uwv, belastingdienst])
    project_b = ProjectFactory(created_by=projectleider_b, partners=[belastingdienst, uwv])
    project_partner_add(actor=projectleider_a, project=project_a, organisation=vng)

    # Superuser and staff status, and no role in any project (style rule 16): the municipality's
    # own people, whose organisation takes part in project A, so that only the missing role
    # keeps them out. The functional administrator holds the admin's permissions for people,
    # organisations and enrolment links.
    superuser = UserFactory(
        username="supergebruiker", organisation=gemeente_a, is_superuser=True, is_staff=True
    )
    staff = UserFactory(username="beheerder", organisation=gemeente_a, is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_user",
                "change_user",
                "view_organisation",
                "change_organisation",
                "add_enrolmentlink",
                "view_enrolmentlink",
            ]
        )
    )

    people = {
        "projectleider": projectleider_a,
        "analist": member(project_a, "analist_a", gemeente_a, Role.ANALIST),
        "inspecteur": member(project_a, "inspecteur_a", uwv, Role.INSPECTEUR),
        "behandelaar": member(project_a, "behandelaar_a", uwv, Role.BEHANDELAAR),
        "adviseur": member(project_a, "adviseur_a", vng, Role.ADVISEUR),
        "partner_analist": member(project_a, "analist_uwv", uwv, Role.ANALIST),
        "leverancier": member(project_a, "leverancier_uwv", uwv, Role.LEVERANCIER),
        "leverancier_bd": member(project_a, "leverancier_bd", belastingdienst, Role.LEVERANCIER),
        # The functionaris gegevensbescherming: the joint controllers' one contact point (issue 15).
        "privacy_officer": member(project_a, "fg_a", gemeente_a, Role.PRIVACY_OFFICER),
        "superuser": superuser,
        "staff": staff,
    }
    analist_b = member(project_b, "analist_b", gemeente_b, Role.ANALIST)
    analist_bd = member(project_b, "analist_bd", belastingdienst, Role.ANALIST)
    leverancier_uwv_b = member(project_b, "leverancier_uwv_b", uwv, Role.LEVERANCIER)
    for person in (*people.values(), projectleider_b, analist_b, analist_bd, leverancier_uwv_b):
        otp_device_for(person)

    own = MatrixProject(project_a)
    own.extra["cast"] = {
        "projectleider": projectleider_a,
        "analist": people["analist"],
        "partner_analist": people["partner_analist"],
        "partner_b_leverancier": people["leverancier_bd"],
        "municipality": gemeente_a,
        "partner": uwv,
        "partner_b": belastingdienst,
    }
    other = MatrixProject(project_b)
    other.extra["cast"] = {
        "projectleider": projectleider_b,
        "analist": analist_b,
        "partner_analist": analist_bd,
        "partner_b_leverancier": leverancier_uwv_b,
        "municipality": gemeente_b,
        "partner": belastingdienst,
        "partner_b": uwv,
    }
    for mp in (own, other):
        for hook in hooks:
            hook(mp)
    own.extra["twin"], other.extra["twin"] = other, own
    # Check the deferred foreign keys of everything built now, once: left pending, PostgreSQL
    # would check them again at the end of every cell (Django's TestCase teardown).
    connection.check_constraints()
    sessions = {
        (person.username, True): _session_key(person, verified=True)
        for person in (*people.values(), projectleider_b)
    }
    sessions[(projectleider_a.username, False)] = _session_key(projectleider_a, verified=False)
    return World(
        people=people,
        own=own,
        other=other,
        organisations={
            "gemeente_a": gemeente_a,
            "uwv": uwv,
            "belastingdienst": belastingdienst,
            "vng": vng,
        },
        sessions=sessions,
    )


@contextmanager
def world_transaction(django_db_blocker):
    """An outer transaction for a module's shared objects, rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@contextmanager
def matrix_world(django_db_blocker):
    """Projects A and B with everything the matrix's SETUP_HOOKS make, for one test module (a
    module-scoped fixture yields it); rolled back afterwards."""
    from tests import access_matrix

    with world_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = world_build(access_matrix.SETUP_HOOKS)
        yield built


# --- the data-sharing and matching objects (a setup hook, registered in tests/access_matrix.py) ---


def to_data_uitvraag(project, actor):
    """The last step of tests.factories.project_to_phase (the project is already in partners)."""
    from projects import services
    from projects.constants import Phase

    if project.phase == Phase.DATA_UITVRAAG:
        return project
    services.dpia_save(
        actor=actor, project=project, vastgesteld=True, date=date(2026, 2, 10), reference="DPIA-1"
    )
    return services.project_advance(actor=actor, project=project, target=Phase.DATA_UITVRAAG)


def intake_and_matching(mp: MatrixProject) -> None:
    """Data requests, accepted deliveries with their reports, a run with risk addresses, an
    approved proposal, an open one and a risk address nobody proposed yet."""
    from datasharing.matching import services as matching
    from datasharing.matching.models import RiskAddress
    from datasharing.services import data_request_create
    from tests.matching.conftest import deliver, run_inline

    cast = mp.extra["cast"]
    leader, analist = cast["projectleider"], cast["analist"]
    project = to_data_uitvraag(mp.project, leader)
    mp.project = project
    bag, _gemeente_signals, partner_signals, partner_b_delivery = deliver(
        project=project,
        projectleider=leader,
        organisations={
            "gemeente": cast["municipality"],
            "partner": cast["partner"],
            "partner_b": cast["partner_b"],
        },
        deliverers={
            "gemeente": leader,
            "partner": cast["partner_analist"],
            "partner_b": cast["partner_b_leverancier"],
        },
        files=MATRIX_FILES,
    )
    open_request = data_request_create(
        actor=leader,
        project=project,
        organisation=cast["municipality"],
        source="kvk",
        legal_ground="Art. 64 Wet SUWI; LSI-convenant",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    run = run_inline(actor=analist, project=project, chunk_count=1)
    risks = list(RiskAddress.objects.filter(run=run, is_risk=True).order_by("pk"))
    assert len(risks) >= 3, f"the matrix needs three risk addresses, the run has {len(risks)}"
    approved = matching.selection_approve(
        actor=leader,
        proposal=matching.selection_propose(
            actor=analist, risk_address=risks[0], reason="Signalen van twee partners"
        ),
        reason="Akkoord",
    )
    proposed = matching.selection_propose(
        actor=analist, risk_address=risks[1], reason="Signalen van twee partners"
    )
    mp.extra.update(
        request=bag.data_request,  # addressed to the municipality
        partner_request=partner_signals.data_request,  # addressed to the partner organisation
        partner_b_request=partner_b_delivery.data_request,  # to the second partner
        open_request=open_request,  # no delivery yet: can be withdrawn
        delivery=bag,
        partner_delivery=partner_signals,  # uploaded by the partner's analist
        partner_b_delivery=partner_b_delivery,  # uploaded by the second partner's leverancier
        run=run,
        risk=risks[2],  # not proposed: can be proposed
        risk_keys=[r.address_key for r in risks],
        approved=approved,
        proposed=proposed,
    )


# --- R5: what takes access away at once ---

REVOCATIONS = ("convenant_end", "role_end", "partner_remove")


def revoke(kind: str, *, project, person, actor) -> None:
    """Take `person`'s access to `project` away through the real service named by `kind`."""
    from projects.models import ProjectPartner, ProjectRole
    from projects.services import project_convenant_end, project_partner_remove, role_end

    if kind == "convenant_end":  # the delivering partner's convenant ended yesterday
        for convenant in person.organisation.convenanten.all():
            project_convenant_end(
                actor=actor, convenant=convenant, valid_until=timezone.localdate() - timedelta(1)
            )
    elif kind == "role_end":
        roles = ProjectRole.objects.active().filter(project=project, person=person)
        assert roles, person
        for project_role in roles:
            role_end(actor=actor, project_role=project_role, reason="Uit het team")
    elif kind == "partner_remove":
        partner = ProjectPartner.objects.active().get(
            project=project, organisation=person.organisation
        )
        project_partner_remove(actor=actor, partner=partner, reason="Neemt niet meer deel")
    else:
        raise ValueError(kind)
