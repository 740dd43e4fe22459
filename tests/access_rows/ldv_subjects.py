"""The data subjects every personal-data row of the matrix shows (security R21), for the test
that walks them all (tests/core/test_access_matrix.py: one complete processing-log record per
subject shown). Rows whose subjects are declared beside their feature's rows keep them there;
these are the rest. A builder marked `wants_person` gets who asks (what they see depends on
their organisation or team).

NO_SUBJECT_ROWS: personal-data rows (they need a personal-data permission) whose answer names
no data subject, with why.
"""

from tests.access_matrix import MatrixProject

ROWS: list = []


def _person(builder):
    builder.wants_person = True
    return builder


def _approved(mp: MatrixProject) -> list[str]:
    return [mp.extra["approved"].address_key]


def _proposals(mp: MatrixProject) -> list[str]:
    from datasharing.matching import selectors

    return [p.address_key for p in selectors.proposal_list(project=mp.project)]


def _owners(mp: MatrixProject) -> list[str]:
    from controls.selectors.owners import owners_with_findings

    return [row.owner_key for row in owners_with_findings(project=mp.project)]


def _evening_addresses(mp: MatrixProject) -> list[str]:
    from controls.selectors.evenings import approved_proposals_unplanned

    evening = mp.extra["evening"]
    return [
        p.address_key for p in approved_proposals_unplanned(project=mp.project, evening=evening)
    ]


def _export(kind: str):
    @_person
    def subjects(mp: MatrixProject, *, person) -> list[str]:
        from projects.selectors import project_perms_for_user
        from reports.services.exports import _rows

        perms = project_perms_for_user(user=person, project=mp.project)
        _header, _rows_shown, keys = _rows(actor=person, project=mp.project, kind=kind, perms=perms)
        return list(dict.fromkeys(keys))

    return subjects


def _route(key: str):
    @_person
    def subjects(mp: MatrixProject, *, person) -> list[str]:
        """The evening's visits the person may see (an inspector: their own teams')."""
        from controls.selectors.evenings import visit_list_for_user

        visits = visit_list_for_user(user=person, evening=mp.extra[key])
        return list(dict.fromkeys(visit.address_key for visit in visits))

    return subjects


@_person
def _finding_pull(mp: MatrixProject, *, person) -> list[str]:
    """The findings the client account may pull (an inspector: their own teams' visits)."""
    from controls.selectors.pulls import finding_pull_for_user
    from projects.selectors import project_perms_for_user

    perms = project_perms_for_user(user=person, project=mp.project)
    findings = finding_pull_for_user(user=person, project=mp.project, perms=perms)
    page = findings.order_by("updated_at", "id")[:50]
    return list(dict.fromkeys(finding.visit.address_key for finding in page))


SUBJECT_ROWS = {
    "matching:proposals": _proposals,
    "matching:selection": _approved,
    "matching:reidentify": _approved,  # the form page names the approved address's pseudonym
    "controls:owners": _owners,
    "controls:evening-addresses": _evening_addresses,
    # An export logs each address it holds once, however many of its rows name it.
    "reports:export@export_bevindingen_csv": _export("bevindingen"),
    "reports:export@export_bevindingen_xlsx": _export("bevindingen"),
    "api:export@api_export_bevindingen": _export("bevindingen"),
    "reports:export@export_doorverwijzingen_csv": _export("doorverwijzingen"),
    "reports:export@export_doorverwijzingen_xlsx": _export("doorverwijzingen"),
    "api:export@api_export_doorverwijzingen": _export("doorverwijzingen"),
    # What an inspector sees depends on their teams: computed by the same scope.
    **{
        f"controls:route@{key}": _route(key)
        for key in ("evening_tonight", "evening_shared", "evening_without")
    },
    "api:finding-list#inspecteur": _finding_pull,
}

_STATUS = "status and counts only, no row or address"
NO_SUBJECT_ROWS = {
    "datasharing:request-list": "data requests: organisations, sources and deadlines",
    "datasharing:delivery-upload": "the upload form",
    "datasharing:delivery-progress": _STATUS,
    "matching:runs": "runs: who started them, settings and counts",
    "matching:run-status": _STATUS,
    "controls:evenings": "evenings: names, dates and counts",
    "controls:evening-create": "the form for a new evening",
    "controls:evening-update": "the evening's own fields",
    "controls:categories": "finding categories of the project",
    "controls:category": "one finding category",
    "reports:dashboard": "aggregated figures",
    "reports:reports": "the list of reports",
    "reports:report-status": _STATUS,
    "reports:report-download": "aggregated figures (the PDF); the download is logged",
    "reports:export@export_voortgang_csv": "aggregated figures per evening",
    "reports:export@export_voortgang_xlsx": "aggregated figures per evening",
    "api:evening-list": "evenings: names, dates, meeting point",
    "privacy:inzage": "requests and objections by kind, date and status: no pseudonym, address "
    "or BSN (a request's own page logs its subjects)",
    "privacy:log": "log entries: who, activity, object; subject ids stay encrypted (the read "
    "itself is logged)",
    "privacy:log-export": "the same entries as CSV, subject ids encrypted (the export is logged)",
}
