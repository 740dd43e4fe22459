"""Query counts of reports' pages (issue 13): the figures take six queries however many rows
(reports.selectors.figures_for_projects), the fairness three."""

from tests.core.test_query_counts import (
    HEADER,
    LOGGED,
    PROJECT,
    SESSION_SAVED,
    SIGNED_IN,
    Spec,
)

FIGURES: Spec = [
    ('"projects_project"', "figures 1: current run's risk addresses, proposals, approved"),
    ('"datasharing_delivery"', "figures 2: the rows of the current BAG delivery (its count)"),
    ('"controls_controleavond"', "figures 3: evenings with visits with a result and findings"),
    ('"controls_finding"', "figures 4: findings per category"),
    ('"controls_referral"', "figures 5: referrals per evening, kind, status, organisation"),
    ('"controls_referraloutcome"', "figures 6: outcomes per evening and kind, with amounts"),
]
FAIRNESS: Spec = [
    ('"datasharing_delivery"', "fairness: addresses per buurt (the current BAG delivery's)"),
    ('"matching_selectionproposal"', "fairness: approved per buurt"),
    ('"matching_selectionproposal"', "fairness: score and fired indicators of the approved"),
]

PAGES = {
    ("reports:dashboard", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *FIGURES,
        ('"reports_kpitarget"', "the targets of the current plan version"),
        *FAIRNESS,
        ('"matching_indicatorsettingsrecord"', "hit rates: the indicators in use"),
        ('"controls_visit"', "hit rates: visited addresses per indicator, with findings"),
        ('"reports_indicatordecision"', "hit rates: the latest decision per indicator"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("reports:kpi-targets", "projectleider", "kpi_plan"): [
        *SIGNED_IN,
        *PROJECT,
        ('"projects_projectplanversion"', "the plan version"),
        ('"reports_kpitarget"', "its targets (form)"),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("reports:reports", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        (
            '"reports_reportversion"',
            "the report versions with who asked for them and the project (file names)",
        ),
        *HEADER,
        *SESSION_SAVED,
    ],
    ("reports:report-status", "projectleider", "report"): [
        *SIGNED_IN,
        *PROJECT,
        ('"reports_reportversion"', "the report version"),
        *SESSION_SAVED,
    ],
    ("reports:report-download", "projectleider", "report"): [
        *SIGNED_IN,
        *PROJECT,
        ('"reports_reportversion"', "the report version"),
        *LOGGED,
        *SESSION_SAVED,
    ],
    ("reports:export", "projectleider", "export_bevindingen_csv"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_finding"', "the findings with visit, evening, team and category"),
        *LOGGED,
        *SESSION_SAVED,
    ],
    ("reports:export", "projectleider", "export_voortgang_xlsx"): [
        *SIGNED_IN,
        *PROJECT,
        *FIGURES,
        *SESSION_SAVED,
    ],
    ("reports:fairness-panel", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        *FAIRNESS,
        *SESSION_SAVED,
    ],
    # The adviser's start page: the overview of the advised projects (reports.views.
    # overview_start_section), its figures for every project at once.
    ("projects:start", "adviseur", "none"): [
        *SIGNED_IN,
        ('"projects_projectrole"', "the person's roles in the projects they may see"),
        ('"projects_project"', "the advised projects (aggregates permission, participation)"),
        *FIGURES,
        ('"projects_phasetransition"', "since when each project is in its phase"),
        ('"controls_visit"', "hit rates over the advised projects (suppressed)"),
        *HEADER,
        *SESSION_SAVED,
    ],
}


def grow(world) -> None:
    """Two more evenings (the proposal approved by the base grow visited on both), findings,
    referrals and outcomes, and more report versions."""
    from datetime import date
    from decimal import Decimal

    from reports.models import ReportVersion
    from tests.reports.factories import EveningSpec, seed_controls

    mp, cast = world.own, world.own.extra["cast"]
    for day in (date(2026, 4, 2), date(2026, 5, 7)):
        seed_controls(
            mp.project,
            [mp.extra["proposed"]],
            leader=cast["projectleider"],
            organisation=cast["partner"],
            evenings=[EveningSpec(day, 1, (("zorgsignaal", "zorg", "boete", Decimal("250")),))],
        )
    for number in (2, 3):
        ReportVersion.objects.create(
            project=mp.project,
            kind="tussenrapportage",
            number=number,
            status="failed",
            requested_by=cast["projectleider"],
        )
