"""The owner view (issue 12.4): an owner of two addresses with findings is listed by pseudonym,
re-identified only under four eyes from the owner vault (logged), and one RIEC signal bundles
the findings of its addresses. The owner vault survives a key rotation."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import pytest

from controls.constants import OwnerRevealStatus, ReferralKind
from controls.selectors.owners import owners_with_findings
from controls.services import owners as services
from datasharing.models import OwnerVaultEntry
from datasharing.pseudonymisation import vault_lookup
from tests.access_setup import matrix_world
from tests.controls.followup_world import categories_ensure, evening_with_visits, finding_make
from tests.factories import ConvenantFactory, OrganisationFactory, log_subject, login_verified
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db

KVK = "30123456"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        with django_db_blocker.unblock():
            _owner_setup(built)
        yield built


def _owner_setup(world) -> None:
    """Project A: the open proposal approved, both addresses visited with a finding each, and
    an eigendom delivery naming one company as the owner of both (another owner of one)."""
    from datasharing.matching import services as matching
    from datasharing.services.deliveries import delivery_process, delivery_upload
    from datasharing.services.requests import data_request_create

    mp = world.own
    leader, project = mp.extra["cast"]["projectleider"], mp.project
    second = matching.selection_approve(actor=leader, proposal=mp.extra["proposed"], reason="Ok")
    _evening, _team, visits = evening_with_visits(
        project=project,
        leader=leader,
        proposals=[second],
        inspectors=[world.people["inspecteur"]],
    )
    categories = categories_ensure(project)
    finding_make(visit=visits[0], category=categories["overbewoning"], by=leader)
    mp.extra["owner_visits"] = [mp.extra["followup_visit"], visits[0]]
    lines = ["postcode;huisnummer;huisletter;huisnummertoevoeging;eigenaar_id;eigenaar_soort"]
    for visit in mp.extra["owner_visits"]:
        parts = vault_lookup(project=project, address_key=visit.address_key)
        lines.append(
            f"{parts['postcode']};{parts['huisnummer']};{parts.get('huisletter') or ''};"
            f"{parts.get('huisnummertoevoeging') or ''};{KVK};rechtspersoon"
        )
    request = data_request_create(
        actor=leader,
        project=project,
        organisation=mp.extra["cast"]["municipality"],
        source="eigendom",
        legal_ground="Art. 64 Wet SUWI",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    upload = SimpleUploadedFile(
        "eigendom.csv", ("\r\n".join(lines) + "\r\n").encode(), content_type="text/csv"
    )
    delivery = delivery_upload(actor=leader, data_request=request, file=upload, queue=False)
    delivery = delivery_process(delivery_id=delivery.pk)
    assert delivery.status == "geaccepteerd", delivery.report
    riec = OrganisationFactory(name="RIEC Oost-Nederland", kind="riec")
    ConvenantFactory(organisation=riec, kind="lsi")
    from projects.services import project_partner_add

    project_partner_add(actor=leader, project=project, organisation=riec)
    mp.extra["riec"] = riec


def _owner(world):
    rows = owners_with_findings(project=world.own.project)
    assert len(rows) == 1
    return rows[0]


def test_the_owner_of_two_addresses_with_findings_is_listed_by_pseudonym(world, client):
    owner = _owner(world)
    assert owner.owner_kind == "kvk" and owner.soort == "rechtspersoon"
    # Other features' matrix hooks add visits of the same addresses on other evenings (the
    # tablet's tonight); the owner view lists the owner's addresses, with all their visits.
    expected = world.own.extra["owner_visits"]
    assert {v.pk for v in expected} <= {v.pk for v in owner.visits}
    assert {v.address_key for v in owner.visits} == {v.address_key for v in expected}
    own_findings = [f for f in owner.findings if f.visit_id in {v.pk for v in expected}]
    assert len(own_findings) == 4  # three on the matrix's visit, one on the second
    assert KVK not in owner.owner_key  # a pseudonym
    assert OwnerVaultEntry.objects.filter(project=world.own.project).count() == 1
    assert not owners_with_findings(project=world.other.project)
    login_verified(client, world.people["analist"])
    before = ProcessingLogEntry.objects.count()
    page = client.get(reverse("controls:owners", kwargs={"slug": world.own.project.slug}))
    assert page.status_code == 200
    assert owner.pseudonym in page.content.decode() and KVK not in page.content.decode()
    assert ProcessingLogEntry.objects.count() == before + 1


def test_reidentification_needs_four_eyes_and_is_logged(world, client):
    owner = _owner(world)
    analist, leader = world.people["analist"], world.people["projectleider"]
    for person in (world.people["inspecteur"], world.people["behandelaar"]):
        with pytest.raises(NotPermitted):
            services.owner_reveal_request(
                actor=person, project=world.own.project, owner_key=owner.owner_key, reason="RIEC"
            )
    with pytest.raises(ApplicationError, match="reden"):
        services.owner_reveal_request(
            actor=analist, project=world.own.project, owner_key=owner.owner_key, reason=" "
        )
    request = services.owner_reveal_request(
        actor=analist,
        project=world.own.project,
        owner_key=owner.owner_key,
        reason="Drie panden, één eigenaar: signaal voor het RIEC",
    )
    with pytest.raises(ApplicationError, match="loopt al"):
        services.owner_reveal_request(
            actor=leader, project=world.own.project, owner_key=owner.owner_key, reason="Nog een"
        )
    with pytest.raises(InvalidTransition):  # not yet approved
        services.owner_reveal_show(actor=leader, request=request)
    with pytest.raises(NotPermitted):  # the analist may not decide
        services.owner_reveal_decide(actor=analist, request=request, approve=True, reason="Ja")
    approved = services.owner_reveal_decide(
        actor=leader, request=request, approve=True, reason="Akkoord, voor het RIEC"
    )
    assert approved.status == OwnerRevealStatus.GOEDGEKEURD
    with pytest.raises(InvalidTransition):
        services.owner_reveal_decide(actor=leader, request=approved, approve=False, reason="Nee")
    before = ProcessingLogEntry.objects.count()
    assert services.owner_reveal_show(actor=leader, request=approved) == KVK
    entry = ProcessingLogEntry.objects.order_by("-pk").first()
    assert ProcessingLogEntry.objects.count() == before + 1
    assert (log_subject(entry), entry.ground) == (owner.owner_key, "reidentification")
    assert services.owner_reveal_show(actor=analist, request=approved) == KVK  # the requester
    with pytest.raises(NotPermitted):
        services.owner_reveal_show(actor=world.people["partner_analist"], request=approved)
    login_verified(client, leader)
    page = client.get(reverse("controls:owners", kwargs={"slug": world.own.project.slug}))
    assert KVK in page.content.decode()


def test_the_requester_cannot_approve_their_own_request(world):
    from projects.constants import Role
    from tests.factories import member

    owner = _owner(world)
    leader = world.people["projectleider"]
    request = services.owner_reveal_request(
        actor=leader, project=world.own.project, owner_key=owner.owner_key, reason="RIEC"
    )
    with pytest.raises(NotPermitted, match="vier ogen"):
        services.owner_reveal_decide(actor=leader, request=request, approve=True, reason="Ja")
    second = member(
        world.own.project, "pl_a2", leader.organisation, Role.PROJECTLEIDER, actor=leader
    )
    rejected = services.owner_reveal_decide(
        actor=second, request=request, approve=False, reason="Nee"
    )
    assert rejected.status == OwnerRevealStatus.AFGEWEZEN
    with pytest.raises(InvalidTransition):
        services.owner_reveal_show(actor=second, request=rejected)


def test_one_riec_signal_bundles_the_findings_of_the_owners_addresses(world):
    owner = _owner(world)
    with pytest.raises(NotPermitted):
        services.owner_signal_riec(
            actor=world.people["analist"], project=world.own.project, owner_key=owner.owner_key
        )
    referral = services.owner_signal_riec(
        actor=world.people["projectleider"], project=world.own.project, owner_key=owner.owner_key
    )
    assert referral.kind == ReferralKind.SIGNAAL_RIEC
    assert referral.organisation == world.own.extra["riec"]
    assert referral.finding is None
    assert {f.pk for f in referral.bundled_findings.all()} == {f.pk for f in owner.findings}


def test_the_owner_vault_follows_a_key_rotation(world):
    from datasharing.models import EigendomRecord
    from datasharing.pseudonymisation import owner_vault_lookup
    from datasharing.services.keys import project_key_rotate

    project = world.own.project
    before = OwnerVaultEntry.objects.get(project=project).owner_key
    project_key_rotate(actor=None, project=project)
    rotated = set(EigendomRecord.objects.filter(project=project).values_list("kvk_key", flat=True))
    entry = OwnerVaultEntry.objects.get(project=project)
    assert rotated == {entry.owner_key} and entry.owner_key != before and entry.key_version == 2
    assert owner_vault_lookup(project=project, owner_key=entry.owner_key) == KVK
    assert owner_vault_lookup(project=project, owner_key=before) is None


def test_a_reveal_approved_after_a_key_rotation_still_finds_the_owner(world):
    """The request names the owner by the pseudonym of its time; the rotation re-keys it with
    the eigendom records and the owner vault, so the owner view still pairs it with its owner
    and the approved request opens the vault."""
    from datasharing.services.keys import project_key_rotate

    project = world.own.project
    analist, leader = world.people["analist"], world.people["projectleider"]
    old_key = _owner(world).owner_key
    request = services.owner_reveal_request(
        actor=analist, project=project, owner_key=old_key, reason="Signaal voor het RIEC"
    )
    project_key_rotate(actor=None, project=project)

    owner = _owner(world)
    request.refresh_from_db()
    assert owner.owner_key != old_key and request.owner_key == owner.owner_key
    assert owner.reveal == request  # the owner view shows the open request with its owner
    approved = services.owner_reveal_decide(
        actor=leader, request=request, approve=True, reason="Akkoord"
    )
    assert services.owner_reveal_show(actor=leader, request=approved) == KVK
