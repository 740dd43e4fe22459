"""R19 key rotation: a new key version re-keys every stored pseudonym of a project atomically.

Matching output is identical before and after rotation; a lookup by a known BSN keeps working
with the new key only; an approved address can still be re-identified; a delivery accepted after
the rotation links with rows delivered before it; refusals change nothing. The projects are the
wijk-300 sample neighbourhood delivered through the real intake (tests/matching/conftest.py).
"""

from __future__ import annotations

import hmac
import io
from base64 import b64decode
from hashlib import sha256

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from controls.models import OwnerRevealRequest, Visit
from controls.services.evenings import evening_create, visits_assign
from datasharing.matching import services as matching
from datasharing.matching.gates import KEY_ROTATE_RUN_ACTIVE
from datasharing.matching.models import (
    IndicatorResult,
    MatchingRun,
    Reidentification,
    RiskAddress,
    SelectionProposal,
)
from datasharing.models import (
    RECORD_MODELS,
    AddressVaultEntry,
    BrpRecord,
    DataRequest,
    Delivery,
    Objection,
    ProjectKey,
    UitkeringRecord,
)
from datasharing.pseudonymisation import (
    Kind,
    project_key_destroy,
    pseudonymise,
    pseudonymiser_for,
    vault_lookup,
)
from datasharing.services import delivery_process, delivery_upload, project_key_rotate
from datasharing.services import keys as key_services
from privacy.models import InzageRequest
from tests.matching import conftest as samples
from tests.matching.conftest import (
    SAMPLE_DIR,
    SAMPLE_FILES,
    expected_fired,
    fired_by_address,
    run_inline,
)
from tests.matching.conftest import deliver as deliver_samples
from wijkaanpak.core.exceptions import InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event, ProcessingLogEntry

from .sample_loader import normalise_bsn, read_csv

pytestmark = pytest.mark.django_db

# The matching tests' fixtures (project A with every wijk-300 partner, its people, the sample
# deliveries and runs), registered for this module by name.
partner_orgs = samples.partner_orgs
uitvraag_project = samples.uitvraag_project
analist_a = samples.analist_a
projectleider_a2 = samples.projectleider_a2
sample_project = samples.sample_project
signal_project = samples.signal_project

# The pseudonym columns and their kinds, listed here independently of the service.
COLUMN_KINDS = {
    "person_key": Kind.BSN,
    "partner_key": Kind.BSN,
    "huurder_key": Kind.BSN,
    "address_key": Kind.ADDRESS,
    "nummeraanduiding_key": Kind.NUMMERAANDUIDING,
    "kvk_key": Kind.KVK,
}
# Pseudonym columns whose kind is held per row, by a column of the row: (column, kind column).
ROW_KIND_COLUMNS = {"owner_key": "owner_kind"}
# `*_key` columns that are not pseudonyms.
NOT_PSEUDONYMS = {"session_key", "wrapped_key"}


def pseudonym_tables():
    """(model, key columns, project lookup, versioned) of every table holding pseudonyms."""
    for model in RECORD_MODELS.values():
        columns = tuple(f.attname for f in model._meta.concrete_fields if f.attname in COLUMN_KINDS)
        yield model, columns, "project", True
    yield RiskAddress, ("address_key",), "run__project", False
    yield IndicatorResult, ("address_key",), "run__project", False
    yield SelectionProposal, ("address_key",), "project", False
    yield Reidentification, ("address_key",), "project", False
    yield Visit, ("address_key",), "project", False
    yield Objection, ("address_key", "person_key"), "project", False
    yield InzageRequest, ("person_key",), "project", False


def test_every_pseudonym_column_of_every_app_is_re_keyed():
    """A model of any app with a pseudonym column (any `*_key` column: a name of KEY_COLUMNS,
    or one whose kind a column of the row names) is one of the tables the rotation re-keys: a
    new one that is not registered would keep old-version pseudonyms. The two vaults are
    re-keyed (and re-encrypted) by the service itself."""
    from django.apps import apps

    from datasharing.models import OwnerVaultEntry

    covered = {model for model, *_ in pseudonym_tables()} | {OwnerRevealRequest}
    holding = {
        model
        for model in apps.get_models()
        if any(
            f.attname.endswith("_key") and f.attname not in NOT_PSEUDONYMS
            for f in model._meta.concrete_fields
        )
    }
    assert holding - {AddressVaultEntry, OwnerVaultEntry} == covered
    tables = key_services._tables()
    assert {table.model for table in tables} == covered
    for table in tables:  # each column's kind is known: by its name or by the row
        for column in table.columns:
            if column in ROW_KIND_COLUMNS:
                assert table.kind_column == ROW_KIND_COLUMNS[column], table.name
            else:
                assert column in COLUMN_KINDS and not table.kind_column, table.name


def snapshot(project) -> dict:
    """Every stored pseudonym, vault entry, key row and delivery key version of the project."""
    tables = {}
    for model, columns, lookup, versioned in pseudonym_tables():
        fields = ["pk", *columns, *(["key_version"] if versioned else [])]
        rows = model.objects.filter(**{lookup: project}).values_list(*fields)
        tables[model._meta.db_table] = {
            "columns": columns,
            "versioned": versioned,
            "rows": {row[0]: row[1:] for row in rows},
        }
    vault = {
        pk: (key, version, bytes(ciphertext))
        for pk, key, version, ciphertext in AddressVaultEntry.objects.filter(
            project=project
        ).values_list("pk", "address_key", "key_version", "ciphertext")
    }
    keys = [
        (version, retired is not None, destroyed is not None, bytes(wrapped))
        for version, retired, destroyed, wrapped in ProjectKey.objects.filter(project=project)
        .order_by("version")
        .values_list("version", "retired_at", "destroyed_at", "wrapped_key")
    ]
    deliveries = dict(
        Delivery.objects.filter(project=project).values_list("pk", "key_version").order_by("pk")
    )
    return {"tables": tables, "vault": vault, "keys": keys, "deliveries": deliveries}


def all_pseudonyms(state: dict) -> set[str]:
    values = set()
    for table in state["tables"].values():
        width = len(table["columns"])
        for row in table["rows"].values():
            values.update(value for value in row[:width] if value)
    values.update(key for key, _, _ in state["vault"].values())
    return values


def assert_rekeyed(before: dict, after: dict, *, project, version: int) -> None:
    """Each pseudonym became HMAC(K_new[kind], old), every row is of `version`, the vault opens
    to the same plaintext with the new key, and no old pseudonym is left anywhere."""
    new = pseudonymiser_for(project=project, version=version)
    old = pseudonymiser_for(project=project, version=version - 1)
    for name, table in before["tables"].items():
        rows, after_rows = table["rows"], after["tables"][name]["rows"]
        assert after_rows.keys() == rows.keys(), name
        for index, column in enumerate(table["columns"]):
            olds = [row[index] for row in rows.values()]
            expected = new.advance(COLUMN_KINDS[column], olds)
            assert [after_rows[pk][index] for pk in rows] == expected, (name, column)
        if table["versioned"]:
            assert {row[-1] for row in after_rows.values()} <= {version}, name
    assert after["vault"].keys() == before["vault"].keys()
    for pk, (key, _, ciphertext) in before["vault"].items():
        new_key, new_version, new_ciphertext = after["vault"][pk]
        assert new_version == version
        assert new_key == new.advance(Kind.ADDRESS, [key])[0]
        assert new_ciphertext != ciphertext
        assert new.open_address(address_key=new_key, ciphertext=new_ciphertext) == (
            old.open_address(address_key=key, ciphertext=ciphertext)
        )
    assert not all_pseudonyms(before) & all_pseudonyms(after)
    assert {v for v in after["deliveries"].values() if v is not None} == {version}
    assert [(v, retired) for v, retired, _, _ in after["keys"]] == [
        *((v, True) for v in range(1, version)),
        (version, False),
    ]


def plain_hmac(project, version: int, kind: str, value: str) -> str:
    """Today's pseudonym, computed from scratch: unwrap the project key with the master key,
    HKDF the per-kind key, HMAC-SHA-256 the value (as pseudonymisation.py did before R19)."""
    project_key = ProjectKey.objects.get(project=project, version=version)
    blob = bytes(project_key.wrapped_key)
    key = AESGCM(b64decode(settings.WIJKAANPAK_MASTER_KEY)).decrypt(
        blob[:12], blob[12:], f"wijkaanpak/project-key/{project.pk}/{version}".encode()
    )
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"wijkaanpak/pseudonym/{kind}/v1".encode(),
    ).derive(key)
    return hmac.new(derived, value.encode(), sha256).hexdigest()


def outcome(run: MatchingRun) -> dict[str, tuple]:
    """address_key → (score, is_risk, fired codes, {code: (status, figures, explanation)})."""
    results: dict[str, dict] = {}
    for key, code, status, figures, explanation in IndicatorResult.objects.filter(
        run=run
    ).values_list("address_key", "indicator", "status", "figures", "explanation"):
        results.setdefault(key, {})[code] = (status, figures, explanation)
    return {
        key: (score, is_risk, sorted(fired), results.get(key, {}))
        for key, score, is_risk, fired in RiskAddress.objects.filter(run=run).values_list(
            "address_key", "score", "is_risk", "fired"
        )
    }


def known_bsn() -> str:
    """A valid BSN of wijk-300 that has both a BRP row and an UWV uitkering row."""
    brp = set(normalise_bsn(read_csv(SAMPLE_DIR / "brp.csv")["bsn"]).dropna())
    uwv = set(normalise_bsn(read_csv(SAMPLE_DIR / "uitkering_uwv.csv")["bsn"]).dropna())
    return min(brp & uwv)


def rotation_records(project) -> tuple[int, int]:
    return (
        ProcessingLogEntry.objects.filter(project=project, name="project_key_rotate").count(),
        Event.objects.filter(project=project, kind="project_key_rotated").count(),
    )


# --- tests ----------------------------------------------------------------------------------------


def test_matching_output_identical_before_and_after_rotation(
    sample_project, analist_a, projectleider_a
):
    project = sample_project
    first = run_inline(actor=analist_a, project=project, chunk_count=3)
    before_outcome = outcome(first)
    before = snapshot(project)
    assert len(before_outcome) == 300 and before["keys"][0][0] == 1

    new_key = project_key_rotate(actor=projectleider_a, project=project)

    assert new_key.version == 2 and new_key.retired_at is None
    after = snapshot(project)
    assert_rekeyed(before, after, project=project, version=2)
    assert all(v == 2 for v in after["deliveries"].values())  # every delivery was accepted
    assert rotation_records(project) == (1, 1)
    event = Event.objects.get(project=project, kind="project_key_rotated")
    assert event.data["from_version"] == 1 and event.data["to_version"] == 2
    assert event.data["rows"] == new_key.rekeyed_rows
    assert new_key.rekeyed_rows["datasharing_brprecord"] == len(
        before["tables"]["datasharing_brprecord"]["rows"]
    )
    assert new_key.rekeyed_rows["matching_riskaddress"] == 300
    assert new_key.rekeyed_rows["datasharing_eigendomrecord"] == 300  # owners, not matched

    second = run_inline(actor=analist_a, project=project, chunk_count=2)
    assert second.status == "succeeded"
    new = pseudonymiser_for(project=project, version=2)
    mapped = dict(zip(before_outcome, new.advance(Kind.ADDRESS, list(before_outcome)), strict=True))
    expected = {mapped[key]: value for key, value in before_outcome.items()}
    assert outcome(second) == expected  # score, is_risk, fired and figures per address
    assert second.counts == first.counts  # counts per indicator
    assert (second.address_count, second.risk_address_count) == (300, first.risk_address_count)
    # The first run's stored rows were re-keyed too: its list is the new run's list.
    assert outcome(first) == expected
    # Every address still resolves to its real address in the vault, as expected.json says.
    assert fired_by_address(second) == {k: sorted(v) for k, v in expected_fired().items()}


def test_lookup_by_known_bsn_after_rotation_and_version_one_is_todays_hmac(
    sample_project, projectleider_a
):
    project = sample_project
    bsn = known_bsn()
    version_one = plain_hmac(project, 1, "bsn", bsn)
    # (g) Version 1 gives exactly the pseudonyms of before R19: the plain HMAC.
    assert pseudonymise(project=project, kind="bsn", values=[bsn]) == [version_one]
    brp_rows = BrpRecord.objects.filter(project=project, person_key=version_one).count()
    assert brp_rows >= 1
    assert UitkeringRecord.objects.filter(project=project, person_key=version_one).exists()
    one = pseudonymiser_for(project=project, version=1)
    assert one.one(Kind.BSN, bsn) == version_one == one.series(Kind.BSN, [bsn, None])[0]

    project_key_rotate(actor=projectleider_a, project=project)

    version_two = plain_hmac(project, 2, "bsn", version_one)  # HMAC(K_2, HMAC(K_1, bsn))
    assert pseudonymise(project=project, kind="bsn", values=[bsn]) == [version_two]
    two = pseudonymiser_for(project=project, version=2)
    assert two.one(Kind.BSN, bsn) == version_two
    assert two.many(Kind.BSN, [bsn, "", bsn]) == [version_two, "", version_two]
    assert two.advance(Kind.BSN, [version_one, ""]) == [version_two, ""]
    assert BrpRecord.objects.filter(project=project, person_key=version_two).count() == brp_rows
    assert UitkeringRecord.objects.filter(project=project, person_key=version_two).exists()
    # The plain version-1 HMAC finds nothing any more, in any person column.
    for model in RECORD_MODELS.values():
        for column in ("person_key", "partner_key", "huurder_key"):
            if any(f.attname == column for f in model._meta.concrete_fields):
                assert not model.objects.filter(project=project, **{column: version_one}).exists()
    # A retired version stays usable for the chain (and gives its own, old pseudonyms).
    assert pseudonymiser_for(project=project, version=1).one(Kind.BSN, bsn) == version_one
    assert repr(two) == f"Pseudonymiser(project_id={project.pk}, key_version=2)"


@pytest.mark.parametrize("path", ["sql", "orm"])
def test_owners_are_found_by_bsn_and_kvk_nummer_after_rotation(
    sample_project, projectleider_a, analist_a, path, monkeypatch
):
    """eigendom holds a person owner under the BSN key kind and a company under the kvk kind;
    a rotation re-keys both, and a look-up by the known identifiers keeps finding them, as do
    the owner reveal requests (re-keyed per row's kind)."""
    from datasharing.models import EigendomRecord

    if path == "orm":
        monkeypatch.setattr(key_services, "_use_sql", lambda: False)
    project = sample_project
    owners = read_csv(SAMPLE_DIR / "eigendom.csv")
    people = owners.loc[owners["eigenaar_soort"] == "natuurlijk persoon", "eigenaar_id"]
    person_bsn = normalise_bsn(people).dropna().iloc[0]
    company = "30123456"  # the woningcorporatie of the sample

    def owner_rows() -> tuple[int, int]:
        [person_key] = pseudonymise(project=project, kind="bsn", values=[person_bsn])
        [company_key] = pseudonymise(project=project, kind="kvk", values=[company])
        rows = EigendomRecord.objects.filter(project=project)
        return rows.filter(person_key=person_key).count(), rows.filter(kvk_key=company_key).count()

    counts = owner_rows()
    assert counts[0] >= 1 and counts[1] == 132
    # A reveal request of each kind names its owner by the eigendom pseudonym.
    [person_key] = pseudonymise(project=project, kind="bsn", values=[person_bsn])
    [company_key] = pseudonymise(project=project, kind="kvk", values=[company])
    requests = [
        OwnerRevealRequest.objects.create(
            project=project, owner_key=key, owner_kind=kind, reason="RIEC", requested_by=analist_a
        )
        for key, kind in ((person_key, "bsn"), (company_key, "kvk"))
    ]

    key = project_key_rotate(actor=projectleider_a, project=project)

    assert owner_rows() == counts
    assert key.rekeyed_rows[OwnerRevealRequest._meta.db_table] == 2
    [person_key] = pseudonymise(project=project, kind="bsn", values=[person_bsn])
    [company_key] = pseudonymise(project=project, kind="kvk", values=[company])
    for request in requests:
        request.refresh_from_db()
    assert [r.owner_key for r in requests] == [person_key, company_key]  # each by its own kind
    versions = EigendomRecord.objects.filter(project=project).values_list("key_version", flat=True)
    assert set(versions) == {2}


@pytest.mark.parametrize("path", ["sql", "orm"])
def test_approved_address_is_still_reidentified_after_rotation(
    path, signal_project, analist_a, projectleider_a, projectleider_a2, monkeypatch
):
    """Both re-keying paths (PostgreSQL bulk SQL, the ORM of the SQLite demo) give the same."""
    project = signal_project
    if path == "orm":
        monkeypatch.setattr(key_services, "_use_sql", lambda: False)
    risk = RiskAddress.objects.filter(run__project=project, is_risk=True).order_by("pk").first()
    proposal = matching.selection_propose(actor=analist_a, risk_address=risk, reason="Samenloop")
    matching.selection_approve(actor=projectleider_a2, proposal=proposal, reason="Akkoord")
    old_key = proposal.address_key
    parts = vault_lookup(project=project, address_key=old_key)
    address = matching.address_reidentify(
        actor=projectleider_a, proposal=proposal, reason="Controleavond 3 maart"
    )
    evening = evening_create(
        actor=projectleider_a, project=project, starts_at=timezone.now(), meeting_point="Plein"
    )
    [visit] = visits_assign(actor=projectleider_a, evening=evening, proposals=[proposal])
    before = snapshot(project)

    project_key_rotate(actor=projectleider_a, project=project)

    assert_rekeyed(before, snapshot(project), project=project, version=2)
    proposal.refresh_from_db()
    visit.refresh_from_db()
    new_key = pseudonymiser_for(project=project, version=2).advance(Kind.ADDRESS, [old_key])[0]
    assert proposal.address_key == new_key
    assert visit.address_key == new_key  # the evening's visit still finds its address
    assert proposal.pseudonym == risk.pseudonym  # the stored display name is kept
    assert vault_lookup(project=project, address_key=new_key) == parts
    assert vault_lookup(project=project, address_key=old_key) is None
    again = matching.address_reidentify(
        actor=projectleider_a, proposal=proposal, reason="Controleavond 10 maart"
    )
    assert again == address
    assert set(
        Reidentification.objects.filter(project=project).values_list("address_key", flat=True)
    ) == {new_key}

    # A second rotation chains once more; every earlier version stays in the chain.
    before = snapshot(project)
    third = project_key_rotate(actor=projectleider_a, project=project)
    assert third.version == 3
    assert_rekeyed(before, snapshot(project), project=project, version=3)
    newest = pseudonymiser_for(project=project, version=3).advance(Kind.ADDRESS, [new_key])[0]
    assert vault_lookup(project=project, address_key=newest) == parts
    assert rotation_records(project) == (2, 2)


def test_delivery_after_rotation_links_with_rows_delivered_before(
    uitvraag_project, partner_orgs, projectleider_a, analist_a
):
    project = uitvraag_project
    early = [entry for entry in SAMPLE_FILES if entry[1] in ("bag", "brp")]
    deliver_samples(
        project=project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=project.deliverers,
        files=early,
    )
    project_key_rotate(actor=projectleider_a, project=project)
    # The other sources arrive under version 2; energie names some addresses only by their BAG
    # id, resolved through the (re-keyed) BAG delivery.
    late = deliver_samples(
        project=project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=project.deliverers,
        skip=("bag", "brp"),
    )
    assert {d.key_version for d in late} == {2}

    bsn = known_bsn()
    key = pseudonymise(project=project, kind="bsn", values=[bsn])[0]
    assert BrpRecord.objects.filter(project=project, person_key=key).exists()  # before
    assert UitkeringRecord.objects.filter(project=project, person_key=key).exists()  # after
    for model in RECORD_MODELS.values():
        assert set(model.objects.filter(project=project).values_list("key_version", flat=True)) <= {
            2
        }
    # Every cross-source link holds: the run fires exactly the expected indicators.
    run = run_inline(actor=analist_a, project=project, chunk_count=2)
    assert run.not_evaluated == []
    assert fired_by_address(run) == {k: sorted(v) for k, v in expected_fired().items()}
    assert run.risk_address_count == 40


def test_refusals_change_nothing(
    signal_project, analist_a, projectleider_a, projectleider_b, project_b
):
    project = signal_project
    before = snapshot(project)
    records = rotation_records(project)

    def refused(error_type, message, actor=projectleider_a, target=project):
        with pytest.raises(error_type) as error:
            project_key_rotate(actor=actor, project=target)
        assert error.value.message == message
        assert snapshot(project) == before
        assert rotation_records(project) == records

    # Only a manager of the project may rotate: not its analist, not another projectleider.
    refused(NotPermitted, key_services.KEY_ROTATE_NOT_ALLOWED, actor=analist_a)
    refused(NotPermitted, key_services.KEY_ROTATE_NOT_ALLOWED, actor=projectleider_b)
    # A project that never pseudonymised anything has no key to replace.
    refused(
        InvalidTransition, key_services.KEY_ROTATE_NO_KEY, actor=projectleider_b, target=project_b
    )

    # A running matching run reads the pseudonyms: no rotation under it.
    run = matching.matching_run_create(actor=analist_a, project=project, chunk_count=1)
    refused(InvalidTransition, KEY_ROTATE_RUN_ACTIVE)  # queued
    assert matching.matching_run_begin(run_id=run.pk)
    refused(InvalidTransition, KEY_ROTATE_RUN_ACTIVE)  # running
    matching.matching_run_cancel(actor=analist_a, run=run)

    # A delivery received but not yet processed would be pseudonymised with the old key.
    data_request = DataRequest.objects.filter(project=project, source="bag").get()
    upload = SimpleUploadedFile("bag2.csv", (SAMPLE_DIR / "bag.csv").read_bytes() + b"\n")
    waiting = delivery_upload(
        actor=projectleider_a, data_request=data_request, file=upload, queue=False
    )
    before = snapshot(project)
    refused(InvalidTransition, key_services.KEY_ROTATE_DELIVERY_BUSY)
    assert delivery_process(delivery_id=waiting.pk).status == "geaccepteerd"

    # Crypto-shredding is final: no new key after destruction.
    project_key_destroy(project=project)
    before = snapshot(project)
    refused(InvalidTransition, key_services.KEY_ROTATE_DESTROYED)
    refused(InvalidTransition, key_services.KEY_ROTATE_DESTROYED, actor=None)


def test_command_prints_the_new_version_and_counts(signal_project):
    project = signal_project
    expected = {
        model._meta.db_table: model.objects.filter(project=project).count()
        for model in RECORD_MODELS.values()
    }
    risk_rows = RiskAddress.objects.filter(run__project=project).count()
    vault_rows = AddressVaultEntry.objects.filter(project=project).count()
    out = io.StringIO()

    call_command("project_key_rotate", "--project", project.slug, stdout=out)

    text = out.getvalue()
    assert f"{project.slug}: sleutel vervangen, nu versie 2 (was versie 1)." in text
    for table, count in expected.items():
        assert f"  {table}: {count}\n" in text
    assert f"  matching_riskaddress: {risk_rows}\n" in text
    assert f"  datasharing_addressvaultentry: {vault_rows}\n" in text
    assert f"  datasharing_delivery: {Delivery.objects.filter(project=project).count()}\n" in text
    entry = ProcessingLogEntry.objects.get(project=project, name="project_key_rotate")
    assert entry.actor is None and entry.actor_label == "systeem" and entry.action == "update"

    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("project_key_rotate", "--project", "geen-project", stdout=io.StringIO())
    project_key_destroy(project=project)
    with pytest.raises(CommandError) as error:
        call_command("project_key_rotate", "--project", project.slug, stdout=io.StringIO())
    assert str(error.value) == key_services.KEY_ROTATE_DESTROYED


def test_delivery_pseudonymised_before_a_rotation_committed_is_stored_under_the_new_key(
    monkeypatch, uitvraag_project, partner_orgs, projectleider_a
):
    """A rotation that commits while a delivery is being pseudonymised: storing finds its key
    retired (project_key_hold), pseudonymises again under the new key, and links as before."""
    from datasharing.services import deliveries as delivery_services

    project = uitvraag_project
    deliver_samples(
        project=project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=project.deliverers,
        files=[entry for entry in SAMPLE_FILES if entry[1] == "bag"],
    )
    stale = delivery_services.pseudonymiser_for(project=project)  # built before the rotation
    project_key_rotate(actor=projectleider_a, project=project)
    handed_out = []

    def first_the_stale_one(*, project):
        handed_out.append(stale if not handed_out else pseudonymiser_for(project=project))
        return handed_out[-1]

    monkeypatch.setattr(delivery_services, "pseudonymiser_for", first_the_stale_one)
    (brp,) = deliver_samples(
        project=project,
        projectleider=projectleider_a,
        organisations=partner_orgs,
        deliverers=project.deliverers,
        files=[entry for entry in SAMPLE_FILES if entry[1] == "brp"],
    )
    assert [p.key_version for p in handed_out] == [1, 2]
    assert brp.status == "geaccepteerd" and brp.key_version == 2
    assert set(BrpRecord.objects.filter(delivery=brp).values_list("key_version", flat=True)) == {2}
    bag_keys = set(
        RECORD_MODELS["bag"].objects.filter(project=project).values_list("address_key", flat=True)
    )
    brp_keys = set(
        BrpRecord.objects.filter(delivery=brp)
        .exclude(address_key="")
        .values_list("address_key", flat=True)
    )
    assert brp_keys and brp_keys <= bag_keys
