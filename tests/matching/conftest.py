"""Fixtures for matching: the wijk-300 sample neighbourhood delivered through the real intake.

`sample_project` is project A taken through the real services into the data-uitvraag, with
every partner of samples/README.md, a data request per (partner, source), and every sample file
uploaded and processed by `delivery_upload` / `delivery_process`. People: `pl_a` (projectleider),
`analist_a` (gemeente, analist), `analist_a2` (a second analist) and one deliverer per partner.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest

from projects.constants import Role
from tests.factories import (
    ConvenantFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    member,
    project_to_phase,
)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "wijk-300"

# File → (source, partner kind), from /work/shared/samples/README.md. Bag first: other files may
# name addresses by nummeraanduiding_id, resolved through the accepted bag delivery.
SAMPLE_FILES: list[tuple[str, str, str]] = [
    ("bag.csv", "bag", "gemeente"),
    ("brp.csv", "brp", "gemeente"),
    ("uitkering_uwv.csv", "uitkering", "uwv"),
    ("uitkering_svb.csv", "uitkering", "svb"),
    ("uitkering_pw.csv", "uitkering", "gemeente"),
    ("toeslag.csv", "toeslag", "belastingdienst"),
    ("huur.csv", "huur", "woningcorporatie"),
    ("kvk.csv", "kvk", "gemeente"),
    ("energie.csv", "energie", "gemeente"),
    ("signaal_politie.csv", "signaal", "politie"),
    ("signaal_corporatie.csv", "signaal", "woningcorporatie"),
    ("signaal_uwv.csv", "signaal", "uwv"),
    ("eigendom.csv", "eigendom", "gemeente"),  # not matched; delivered as every source is
]


def sample_buurtcodes() -> list[str]:
    """The project area of the sample neighbourhood: the buurten of its bag.csv."""
    lines = (SAMPLE_DIR / "bag.csv").read_text(encoding="utf-8-sig").splitlines()
    column = lines[0].split(",").index("buurtcode")
    return sorted({line.split(",")[column] for line in lines[1:] if line})


def expected_fired() -> dict[str, list[str]]:
    return json.loads((SAMPLE_DIR / "expected.json").read_text())["fired"]


def assert_one_result_set(run, *, chunks: int) -> None:
    """After a run that met a fault: every chunk stored once, every bag address of the sample
    once, and no indicator result twice (R27: a redelivered chunk never duplicates)."""
    from django.db import connection

    from datasharing.matching.models import MatchingChunk, RiskAddress

    assert sorted(MatchingChunk.objects.filter(run=run).values_list("index", flat=True)) == list(
        range(chunks)
    )
    assert RiskAddress.objects.filter(run=run).count() == 300 == run.address_count
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address_key, indicator, COUNT(*) FROM matching_indicatorresult "
            "WHERE run_id = %s GROUP BY address_key, indicator HAVING COUNT(*) > 1",
            [run.pk],
        )
        assert cursor.fetchall() == []


def address_text_key(parts: dict) -> str:
    """The expected.json key `POSTCODE|NR|LETTER|TOEVOEGING` from vault parts."""
    return "|".join(
        str(parts.get(name) or "")
        for name in ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging")
    )


def fired_by_address(run) -> dict[str, list[str]]:
    """expected.json shape: the real address (from the vault) → sorted fired codes, for the
    addresses of `run` where something fires."""
    from datasharing.matching.models import RiskAddress
    from datasharing.pseudonymisation import vault_lookup

    found = {}
    for address in RiskAddress.objects.filter(run=run).exclude(fired=[]):
        parts = vault_lookup(project=run.project, address_key=address.address_key)
        found[address_text_key(parts)] = sorted(address.fired)
    return found


def deliver(
    *, project, projectleider, organisations: dict, deliverers: dict, files=SAMPLE_FILES, skip=()
):
    """Create the data requests and upload + process each sample file through the intake."""
    from datasharing.services.deliveries import delivery_process, delivery_upload
    from datasharing.services.requests import data_request_create

    requests: dict[tuple[str, str], object] = {}
    deliveries = []
    for filename, source, kind in files:
        if source in skip:
            continue
        organisation = organisations[kind]
        key = (kind, source)
        if key not in requests:
            requests[key] = data_request_create(
                actor=projectleider,
                project=project,
                organisation=organisation,
                source=source,
                legal_ground="Art. 64 Wet SUWI",
                deadline=timezone.localdate() + timedelta(days=30),
            )
        upload = SimpleUploadedFile(
            filename, (SAMPLE_DIR / filename).read_bytes(), content_type="text/csv"
        )
        delivery = delivery_upload(
            actor=deliverers[kind], data_request=requests[key], file=upload, queue=False
        )
        delivery = delivery_process(delivery_id=delivery.pk)
        assert delivery.status == "geaccepteerd", (
            filename,
            delivery.error_message,
            delivery.report,
        )
        deliveries.append(delivery)
    return deliveries


@pytest.fixture
def partner_orgs(gemeente_a, uwv, belastingdienst, convenants):
    svb = OrganisationFactory(name="SVB", kind="svb")
    politie = OrganisationFactory(name="Politie Eenheid Oost", kind="politie")
    corporatie = OrganisationFactory(name="Woonstichting De Wijk", kind="woningcorporatie")
    ConvenantFactory(organisation=svb)
    ConvenantFactory(organisation=politie)
    ConvenantFactory(organisation=corporatie, kind="aanvullend")
    return {
        "gemeente": gemeente_a,
        "uwv": uwv,
        "svb": svb,
        "belastingdienst": belastingdienst,
        "politie": politie,
        "woningcorporatie": corporatie,
    }


@pytest.fixture
def uitvraag_project(projectleider_a, partner_orgs):
    """Project A in the data-uitvraag with every sample partner taking part (no deliveries yet)."""
    from projects.services import project_partner_add, role_grant

    project = ProjectFactory(
        created_by=projectleider_a,
        partners=[partner_orgs["uwv"]],
        peildatum=date(2026, 10, 1),
        buurtcodes=sample_buurtcodes(),
    )
    for kind in ("svb", "belastingdienst", "politie", "woningcorporatie"):
        project_partner_add(actor=projectleider_a, project=project, organisation=partner_orgs[kind])
    project = project_to_phase(project, "data_uitvraag")
    deliverers = {"gemeente": projectleider_a}
    for kind, organisation in partner_orgs.items():
        if kind == "gemeente":
            continue
        person = UserFactory(username=f"lever_{kind}", organisation=organisation)
        role_grant(actor=projectleider_a, project=project, person=person, role=Role.ANALIST)
        deliverers[kind] = person
    project.deliverers = deliverers
    return project


@pytest.fixture
def analist_a(uitvraag_project, gemeente_a, projectleider_a):
    return member(uitvraag_project, "analist_a", gemeente_a, Role.ANALIST, actor=projectleider_a)


@pytest.fixture
def projectleider_a2(uitvraag_project, gemeente_a, projectleider_a):
    """A second projectleider of project A (another person who may approve)."""
    from projects.services import role_grant

    person = UserFactory(username="pl_a2", organisation=gemeente_a)
    role_grant(
        actor=projectleider_a, project=uitvraag_project, person=person, role=Role.PROJECTLEIDER
    )
    return person


@pytest.fixture
def sample_project(uitvraag_project, projectleider_a, partner_orgs):
    """Project A with all of wijk-300 delivered and accepted, every row inside its area."""
    deliveries = deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
    )
    assert {d.report["outside_area_rows"] for d in deliveries} <= {0, None}
    return uitvraag_project


def run_inline(*, actor, project, chunk_count: int = 3):
    """Create a run and execute it in this process (the command's path)."""
    from datasharing.matching import services

    run = services.matching_run_create(actor=actor, project=project, chunk_count=chunk_count)
    return services.matching_run_execute_inline(run=run)


@pytest.fixture
def signal_project(uitvraag_project, projectleider_a, partner_orgs, analist_a):
    """Project A with only bag and signaal delivered and one successful run (4 risk addresses)."""
    deliver(
        project=uitvraag_project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=uitvraag_project.deliverers,
        skip=("brp", "uitkering", "toeslag", "huur", "kvk", "energie"),
    )
    run_inline(actor=analist_a, project=uitvraag_project, chunk_count=2)
    return uitvraag_project
