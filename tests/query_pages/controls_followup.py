"""Query counts of the follow-up pages (issue 12): the inbox, the overview, a referral, a
finding to refer, the behandelaar's start page; `grow` adds referrals to both partner
organisations of project A."""

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

# The vault read of one address (datasharing.pseudonymisation.vault_lookup).
VAULT: Spec = [
    ('"datasharing_projectkey"', "the project's current key (not destroyed)"),
    ('"datasharing_addressvaultentry"', "the sealed address"),
    ('"datasharing_projectkey"', "the key versions that open it"),
]
REFERRAL: Spec = [
    ('"controls_referral"', "the referral, scoped (lead or handle, participation, convenant)"),
    ('"controls_referral_bundled_findings"', "the findings it bundles (prefetch)"),
]

PAGES: dict[tuple[str, str, str], Spec] = {
    ("controls:inbox", "behandelaar", "none"): [
        *SIGNED_IN,
        ('"projects_project"', "does the person handle referrals anywhere"),
        ('"controls_referral"', "open, closed and overdue referrals counted (one aggregate)"),
        *HEADER,
        ('"controls_referral"', "a page of the open ones with project, finding, outcome"),
        ('"controls_referral"', "a page of the closed ones, the same joins"),
        *SESSION_SAVED,
    ],
    ("controls:referrals", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_referral"', "referrals per partner and status, overdue (one aggregate)"),
        *HEADER,
        ('"controls_referral"', "a page of them with organisation, finding, outcome"),
        *SESSION_SAVED,
    ],
    ("controls:referral", "projectleider", "referral"): [
        *SIGNED_IN,
        *PROJECT,
        *REFERRAL,
        *LOGGED,
        *VAULT,
        ('"datasharing_objection"', "objections and corrections of the referral's address"),
        *SESSION_SAVED,
    ],
    ("controls:referral", "behandelaar", "referral"): [
        *SIGNED_IN,
        *PROJECT,
        *REFERRAL,
        *CHECKED,  # may they handle it: HANDLE_REFERRALS
        *LOGGED,
        *VAULT,
        ('"datasharing_objection"', "objections and corrections of the referral's address"),
        *SESSION_SAVED,
    ],
    ("controls:finding-refer", "projectleider", "finding"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_finding"', "the finding with category, visit, evening, team"),
        *CHECKED,  # may they send: PLAN_CONTROLS
        ('"projects_projectpartner"', "targets: organisations taking part"),
        ('"partners_convenant"', "targets: with a convenant in force"),
        ('"partners_organisation"', "the targets"),
        *LOGGED,
        ('"projects_project"', "what came of it: the projects the person leads"),
        ('"controls_referral"', "the finding's referrals with organisation and outcome"),
        ('"controls_referral_bundled_findings"', "the findings they bundle (prefetch)"),
        ("DECLARE", "the organisation choices of the form (iterated)"),
        *SESSION_SAVED,
    ],
    ("controls:owners", "projectleider", "project"): [
        *SIGNED_IN,
        *PROJECT,
        ('"controls_visit"', "the project's visits with findings"),
        ('"controls_finding"', "their findings with categories (prefetch)"),
        ('"datasharing_eigendomrecord"', "the owners of those addresses (accepted eigendom)"),
        *LOGGED,  # one record: the matrix world has no owner of two addresses
        *SESSION_SAVED,
    ],
    ("projects:start", "behandelaar", "none"): [
        *SIGNED_IN,
        ('"projects_projectrole"', "the person's roles in the projects they may see"),
        ('"controls_referral"', "the open referrals to their organisation (start section)"),
        *HEADER,
        *SESSION_SAVED,
    ],
}


def grow(world) -> None:
    """More referrals of project A: to UWV and to the Belastingdienst, some moved on."""
    from controls.constants import ReferralKind
    from controls.services import referrals
    from tests.controls.followup_world import categories_ensure, finding_make

    extra = world.own.extra
    leader = extra["cast"]["projectleider"]
    categories = categories_ensure(world.own.project)
    for code in ("hennep", "brandgevaar"):
        finding = finding_make(visit=extra["followup_visit"], category=categories[code], by=leader)
        for organisation in (extra["cast"]["partner"], extra["second_organisation"]):
            referral = referrals.referral_create(
                actor=leader,
                finding=finding,
                kind=ReferralKind.HANDHAVING,
                organisation=organisation,
            )
            if organisation == extra["cast"]["partner"]:
                referrals.referral_receive(actor=extra["handler"], referral=referral)
