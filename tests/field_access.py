"""Field-level access (security R3): which resident fields each page and API answer may carry,
per URL name and role, checked on every answer of the access matrix (tests/access_matrix.py).

A resident field is anything about a person or their address: a pseudonym (of an address or an
owner), a real address, what was noted or found at an address. The check finds them

- in a REST API answer (JSON): by its keys, every key at any depth, compared with the URL's
  allowlist of keys (`API_KEYS`) and with the resident keys the role may get (`API_RESIDENT`);
- in a page (HTML): by what it shows of the matrix world's residents — the display pseudonyms
  and full pseudonyms of every address and owner of both projects — and by the markup the
  templates give resident data: `data-field="…"` attributes and the `wk-address` class of a
  real address. Each kind found (`pseudoniem`, `eigenaar`, `adres`) must be allowed for that
  URL and role in `HTML_FIELDS`.

The VNG adviser and every public page (the matrix's PUBLIC rows and anything under
`/openbaar/`) carry no resident field at all, whatever the tables below say.

Adding a URL that shows resident data: add its kinds (or keys) below, for the roles that need
them (design.md "Access"). An answer with a field outside its allowlist fails the matrix cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

PSEUDONYM = "pseudoniem"  # an address pseudonym (full or its display form)
OWNER = "eigenaar"  # an owner pseudonym
ADDRESS = "adres"  # a real (re-identified) address

# Roles and URL prefixes that never get a resident field (R3, design.md "Access").
NO_RESIDENT_ROLES = frozenset({"adviseur"})
NO_RESIDENT_PREFIXES = ("/openbaar/",)

# --- pages ------------------------------------------------------------------------------------

FIELD_ATTRIBUTE = re.compile(r'data-field="([^"]+)"')
ADDRESS_CLASS = re.compile(r'class="(?:[^"]*\s)?wk-address(?:\s[^"]*)?"')

_ANALYSTS = ("projectleider", "analist", "partner_analist")
_FIELD = ("projectleider", "inspecteur")
_FOLLOWUP = ("projectleider", "behandelaar")


def _roles(kinds: set[str], *roles: str) -> dict[str, frozenset[str]]:
    return dict.fromkeys(roles, frozenset(kinds))


# URL name -> role -> the kinds of resident field its pages may show (default: none).
HTML_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    # matching: pseudonymised addresses for who may see pseudonyms (view_pseudonymised)
    "matching:risks": _roles({PSEUDONYM}, *_ANALYSTS),
    "matching:risk": _roles({PSEUDONYM}, *_ANALYSTS),
    "matching:proposals": _roles({PSEUDONYM}, *_ANALYSTS),
    "matching:proposal-decide": _roles({PSEUDONYM}, *_ANALYSTS),
    "matching:selection": _roles({PSEUDONYM}, *_FIELD),
    "matching:selection-close": _roles({PSEUDONYM}, "projectleider"),
    "matching:reidentify": _roles({PSEUDONYM}, *_FIELD),
    "matching:reidentification": _roles({PSEUDONYM, ADDRESS}, *_FIELD),
    "matching:proposal-record": _roles({PSEUDONYM}, "projectleider"),
    # controls: the planner's evenings and visits, the inspector's route (view_addresses)
    "controls:evening": _roles({PSEUDONYM, ADDRESS}, *_FIELD),
    "controls:evening-addresses": _roles({PSEUDONYM, ADDRESS}, "projectleider"),
    "controls:visit": _roles({PSEUDONYM, ADDRESS}, "projectleider"),
    "controls:route": _roles({PSEUDONYM, ADDRESS}, *_FIELD),
    "controls:visit-result": _roles({PSEUDONYM, ADDRESS}, *_FIELD),
    "controls:visit-finding": _roles({PSEUDONYM, ADDRESS}, *_FIELD),
    # follow-up: the referral's addresses for its behandelaar and the projectleider
    "controls:referral": _roles({PSEUDONYM, ADDRESS}, *_FOLLOWUP),
    "controls:referrals": _roles({PSEUDONYM}, *_FOLLOWUP),
    "controls:finding-refer": _roles({PSEUDONYM}, *_FIELD),
    "controls:owners": _roles({OWNER, PSEUDONYM}, *_ANALYSTS),
    # privacy: the answer to an inzageverzoek names the pseudonyms it found for its subject
    "privacy:inzage-detail": _roles({PSEUDONYM}, "privacy_officer"),
}

# --- the REST API -----------------------------------------------------------------------------

_ERROR_KEYS = {"code", "detail", "fields", "trace_id", "current", "yours"}
_PAGE_KEYS = {"next", "previous", "results", "sync_until"}
_EVENING = {"id", "name", "starts_at", "ends_at", "meeting_point", "status", "updated_at"}
_VISIT = {
    "id",
    "evening",
    "team",
    "pseudonym",
    "buurtcode",
    "route_position",
    "result",
    "residents_found",
    "visited_at",
    "updated_at",
    "version",
}
_ADDRESS = {
    "visit_pseudonym",
    "straatnaam",
    "huisnummer",
    "huisletter",
    "toevoeging",
    "postcode",
    "woonplaats",
}
_FINDING = {
    "id",
    "visit",
    "evening",
    "visit_pseudonym",
    "category",
    "category_label",
    "description",
    "recorded_at",
    "updated_at",
    "version",
}
_OUTCOME = {"kind", "amount", "brp_correction", "reason", "recorded_at"}
_REFERRAL_FINDING = {"id", "category", "category_label", "description", "visit_pseudonym"}
_REFERRAL = {
    "id",
    "project",
    "kind",
    "organisation",
    "unit",
    "note",
    "status",
    "due_on",
    "is_overdue",
    "return_reason",
    "finding",
    "outcome",
    "created_at",
    "received_at",
    "closed_at",
    "updated_at",
    "version",
    "buurtcode",
}
_PROJECT = {
    "slug",
    "name",
    "municipality",
    "phase",
    "period_start",
    "period_end",
    "peildatum",
    "buurtcodes",
    "postcodes",
    "created_at",
}
_PROGRESS = {
    "project",
    "suppressed",
    "figures",
    "key",
    "label",
    "value",
    "hidden",
    "evenings",
    "evening_id",
    "name",
    "starts_at",
    "status",
    "visited",
    "with_findings",
    "referrals",
    "outcomes",
}

_SYNC_VISIT = {
    "id",
    "version",
    "result",
    "result_label",
    "residents_found",
    "notes",
    "visited_at",
    "client_id",
}
_SYNC_FINDING = {
    "id",
    "visit",
    "version",
    "category",
    "category_label",
    "description",
    "client_id",
    "recorded_at",
}


def _progress_keys() -> set[str]:
    """The progress figures, with the referral and outcome kinds as the keys of its counts."""
    from controls.constants import OutcomeKind, ReferralKind

    return _PROGRESS | set(ReferralKind.values) | set(OutcomeKind.values)


_REFERRAL_ALL = _REFERRAL | _REFERRAL_FINDING | _OUTCOME

# URL name -> every key its JSON answer may carry, at any depth (pages, errors included).
API_KEYS: dict[str, frozenset[str]] = {
    "health": frozenset({"status"}),
    "controls:sync-visit-result": frozenset(_SYNC_VISIT),
    "controls:sync-visit-finding": frozenset(_SYNC_FINDING),
    "controls:sync-finding": frozenset(_SYNC_FINDING),
    "api:referral-outcome": frozenset(_REFERRAL_ALL),
    "api:project-list": frozenset(_PROJECT | _PAGE_KEYS),
    "api:project-detail": frozenset(_PROJECT),
    "api:evening-list": frozenset(_EVENING | _PAGE_KEYS),
    "api:visit-list": frozenset(_VISIT | _PAGE_KEYS),
    "api:visit-detail": frozenset(_VISIT | {"notes", "address", "findings"} | _ADDRESS | _FINDING),
    "api:finding-list": frozenset(_FINDING | _PAGE_KEYS),
    "api:referral-list": frozenset(_REFERRAL | _REFERRAL_FINDING | _OUTCOME | _PAGE_KEYS),
    "api:referral-detail": frozenset(
        _REFERRAL | _REFERRAL_FINDING | _OUTCOME | {"addresses"} | _ADDRESS
    ),
    "api:progress": frozenset(_progress_keys()),
}

# The keys that carry resident data (R3), and per role which of them the role may get at all.
RESIDENT_KEYS = frozenset(
    {"pseudonym", "visit_pseudonym", "address", "addresses", "notes", "residents_found"}
    | _ADDRESS
    | {"description", "note", "return_reason"}
)
API_RESIDENT: dict[str, frozenset[str]] = {
    "projectleider": RESIDENT_KEYS,
    "inspecteur": RESIDENT_KEYS,
    "behandelaar": RESIDENT_KEYS,
}


# --- the check --------------------------------------------------------------------------------


@dataclass
class Markers:
    """What the matrix world's residents look like in a page: full and display pseudonyms."""

    pseudonyms: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)


def markers_of(world) -> Markers:
    """Every address and owner pseudonym of both projects, full and in display form."""
    from controls.models import Visit
    from datasharing.matching.models import RiskAddress
    from datasharing.matching.services.chunks import display_pseudonym
    from datasharing.models import OwnerVaultEntry

    projects = [world.own.project, world.other.project]
    keys = set(
        RiskAddress.objects.filter(run__project__in=projects).values_list("address_key", flat=True)
    )
    keys |= set(
        Visit.objects.filter(evening__project__in=projects).values_list("address_key", flat=True)
    )
    owners = set(
        OwnerVaultEntry.objects.filter(project__in=projects).values_list("owner_key", flat=True)
    )
    return Markers(
        pseudonyms=keys | {display_pseudonym(k) for k in keys},
        owners=owners | {display_pseudonym(k) for k in owners},
    )


def html_kinds(body: str, markers: Markers) -> set[str]:
    kinds = set(FIELD_ATTRIBUTE.findall(body))
    if ADDRESS_CLASS.search(body):
        kinds.add(ADDRESS)
    if any(p in body for p in markers.pseudonyms):
        kinds.add(PSEUDONYM)
    if any(o in body for o in markers.owners):
        kinds.add(OWNER)
    return kinds


def json_keys(value) -> set[str]:
    if isinstance(value, dict):
        keys = set(value)
        for item in value.values():
            keys |= json_keys(item)
        return keys
    if isinstance(value, list):
        return set().union(*(json_keys(item) for item in value)) if value else set()
    return set()


def violations(
    *, url_name: str, path: str, role: str, response, markers: Markers, public: bool = False
) -> list[str]:
    """The fields of `response` that `role` may not get on `url_name` (empty: all allowed)."""
    content_type = response.get("Content-Type", "")
    closed = public or role in NO_RESIDENT_ROLES or path.startswith(NO_RESIDENT_PREFIXES)
    if content_type.startswith("application/json"):
        keys = json_keys(json.loads(response.content or b"null"))
        wrong = keys - API_KEYS.get(url_name, frozenset()) - _ERROR_KEYS
        resident = keys & RESIDENT_KEYS
        allowed_resident = frozenset() if closed else API_RESIDENT.get(role, frozenset())
        wrong |= resident - allowed_resident
        return sorted(f"json:{key}" for key in wrong)
    if not content_type.startswith("text/html"):
        return []  # files (CSV, XLSX, PDF): their columns are tests/reports' and datasharing's
    body = response.content.decode(errors="replace")
    allowed = frozenset() if closed else HTML_FIELDS.get(url_name, {}).get(role, frozenset())
    return sorted(f"html:{kind}" for kind in html_kinds(body, markers) - allowed)
