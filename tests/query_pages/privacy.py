"""Query counts of the privacy officer's pages (issue 15 items 2 and 4, issue 16 item 4): the
inzageverzoeken with the project's objections, one request with its answer (stored with it:
no query per fact), its letter, and the processing log, whose page reads one page of records
however long the log grows (`grow` adds requests, objections and records)."""

from __future__ import annotations

from tests.core.test_query_counts import (
    CHECKED,
    HEADER,
    LOGGED,
    PROJECT,
    SESSION_SAVED,
    SIGNED_IN,
    Spec,
)

REQUEST: Spec = [('"privacy_inzagerequest"', "the request with who answered it")]
# The request's page logs its pseudonyms (one LDV record each, R21): the address's.
SHOWN: Spec = [*LOGGED]
OBJECTIONS: Spec = [('"datasharing_objection"', "objections against its person or addresses")]

PAGES: dict[tuple[str, str, str], Spec] = {
    ("privacy:inzage", "privacy_officer", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"datasharing_objection"', "the project's objections with who recorded them"),
        ('"privacy_inzagerequest"', "count of requests (paginator)"),
        *HEADER,
        ('"privacy_inzagerequest"', "a page of requests with who answered them"),
        *SESSION_SAVED,
    ],
    ("privacy:inzage-detail", "privacy_officer", "inzage"): [
        *SIGNED_IN,
        *PROJECT,
        *REQUEST,
        *SHOWN,  # loads the person's organisation: the header reuses it
        *OBJECTIONS,
        *SESSION_SAVED,
    ],
    ("privacy:inzage-letter", "privacy_officer", "inzage"): [
        *SIGNED_IN,
        *PROJECT,
        *REQUEST,
        *SHOWN,
        *OBJECTIONS,
        *SESSION_SAVED,
    ],
    ("privacy:log", "privacy_officer", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *CHECKED,  # the service checks handle_privacy_requests again
        *LOGGED,  # reading the log is logged first
        ('"core_processinglogentry"', "count of the filtered records (paginator)"),
        ('"core_processinglogentry"', "a page of records"),  # the header reuses the organisation
        *SESSION_SAVED,
    ],
    ("privacy:log-export", "privacy_officer", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *CHECKED,
        *LOGGED,
        ('"core_processinglogentry"', "the filtered records (at most LOG_EXPORT_MAX)"),
        *SESSION_SAVED,
    ],
}


def grow(world) -> None:
    """More requests (one per source of a person's records), objections and log records."""
    from datasharing.constants import ObjectionKind, ObjectionSubject
    from datasharing.services import objection_record
    from privacy.services import inzage_request_answer
    from tests.access_rows.privacy import UNKNOWN_BSN
    from wijkaanpak.core.processing_log import processing_log_write

    mp = world.own
    officer = world.people["privacy_officer"]
    today = mp.extra["inzage"].received_on
    for _ in range(3):
        inzage_request_answer(actor=officer, project=mp.project, received_on=today, bsn=UNKNOWN_BSN)
        objection_record(
            actor=officer,
            project=mp.project,
            subject=ObjectionSubject.ADDRESS,
            subject_key=mp.extra["approved"].address_key,
            kind=ObjectionKind.CORRECTIE,
            description="BRP-inschrijving gecorrigeerd.",
            received_on=today,
        )
    processing_log_write(
        actor=officer,
        action="view",
        name="extra",
        ground="lsi_project",
        project=mp.project,
        data_subject_ids=[f"{n:064x}" for n in range(60)],
        data_subject_id_type="adrespseudoniem",
    )
