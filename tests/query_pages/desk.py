"""Query counts of the desk pages of issue 9 (items 2, 6) and issue 11 item 7."""

from __future__ import annotations

from tests.core.test_query_counts import (
    CHECKED,
    HEADER,
    LOGGED,
    PROJECT,
    SCOPED,
    SESSION_SAVED,
    SIGNED_IN,
)

PAGES = {
    # A reload of the page after a re-identification: one "read" record, then the vault.
    ("matching:reidentification", "projectleider", "reidentification"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_reidentification"', "the person's re-identification, proposal and actor"),
        *CHECKED,  # the service checks view_addresses again
        *LOGGED,  # the read, before the vault (its organisation serves the header too)
        ('"datasharing_projectkey"', "the project's current key (not destroyed)"),
        ('"datasharing_addressvaultentry"', "the address's vault entry"),
        ('"datasharing_projectkey"', "the key version that sealed it"),
        *SESSION_SAVED,
    ],
    ("matching:proposal-record", "projectleider", "approved"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_selectionproposal"', "the approved proposal, its run and people"),
        ('"matching_indicatorresult"', "the address's indicator results in that run"),
        ('"matching_selectionproposal"', "earlier rejections of the address, with people"),
        ('"matching_reidentification"', "its re-identifications, with who did them"),
        *LOGGED,  # (its organisation serves the header too)
        *SESSION_SAVED,
    ],
    ("matching:selection-close", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"matching_selectionclosure"', "whether the selection is closed"),
        ('"matching_selectionproposal"', "the proposals counted per status"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("datasharing:request-withdraw", "projectleider", "open_request"): [
        *SIGNED_IN,
        *PROJECT,
        *SCOPED,
        ('"datasharing_datarequest"', "the data request with organisation and delivery count"),
        ('"datasharing_delivery"', "its deliveries (prefetch)"),
        *HEADER,
        *SESSION_SAVED,
    ],
}
