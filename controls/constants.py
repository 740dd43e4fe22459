"""Lifecycles, choices and defaults of controleavonden, visits, findings and referrals."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from partners.constants import OrganisationKind


class EveningStatus(models.TextChoices):
    GEPLAND = "gepland", "Gepland"
    VOORBEREID = "voorbereid", "Voorbereid"
    UITGEVOERD = "uitgevoerd", "Uitgevoerd"
    AFGEROND = "afgerond", "Afgerond"
    GEANNULEERD = "geannuleerd", "Geannuleerd"


# One transition table for the evening (style rules 9–11). Nothing changes after afgerond.
EVENING_TRANSITIONS: dict[EveningStatus, set[EveningStatus]] = {
    EveningStatus.GEPLAND: {EveningStatus.VOORBEREID, EveningStatus.GEANNULEERD},
    EveningStatus.VOORBEREID: {
        EveningStatus.GEPLAND,
        EveningStatus.UITGEVOERD,
        EveningStatus.GEANNULEERD,
    },
    EveningStatus.UITGEVOERD: {EveningStatus.AFGEROND},
    EveningStatus.AFGEROND: set(),
    EveningStatus.GEANNULEERD: set(),
}

# States in which the plan (teams, members, addresses, routes) may still change.
EVENING_PLAN_EDITABLE = frozenset({EveningStatus.GEPLAND, EveningStatus.VOORBEREID})
# States in which inspectors record results and findings (the evening itself, and the
# catching-up afterwards until the projectleider closes it).
EVENING_RECORDING_OPEN = frozenset({EveningStatus.VOORBEREID, EveningStatus.UITGEVOERD})


class VisitResult(models.TextChoices):
    AANGETROFFEN = "aangetroffen", "Aangetroffen"
    NIET_AANGETROFFEN = "niet_aangetroffen", "Niet aangetroffen"
    TOEGANG_GEWEIGERD = "toegang_geweigerd", "Toegang geweigerd"
    VERVOLGBEZOEK = "vervolgbezoek", "Vervolgbezoek nodig"


class ReferralKind(models.TextChoices):
    HANDHAVING = "handhaving", "Handhaving"
    ZORG = "zorg", "Zorg"
    TERUGMELDING_BRP = "terugmelding_brp", "Terugmelding BRP"
    STRAFRECHTELIJK = "strafrechtelijk", "Strafrechtelijk (Politie/OM)"
    SIGNAAL_RIEC = "signaal_riec", "Signaal RIEC"


class ReferralStatus(models.TextChoices):
    VERZONDEN = "verzonden", "Verzonden"
    ONTVANGEN = "ontvangen", "Ontvangen"
    IN_BEHANDELING = "in_behandeling", "In behandeling"
    AFGEHANDELD = "afgehandeld", "Afgehandeld"
    TERUGGELEGD = "teruggelegd", "Teruggelegd"


# One transition table for the referral. Teruggelegd (with a reason) hands it back to the
# projectleider, who may send a new referral elsewhere; afgehandeld carries the outcome.
REFERRAL_TRANSITIONS: dict[ReferralStatus, set[ReferralStatus]] = {
    ReferralStatus.VERZONDEN: {ReferralStatus.ONTVANGEN, ReferralStatus.TERUGGELEGD},
    ReferralStatus.ONTVANGEN: {ReferralStatus.IN_BEHANDELING, ReferralStatus.TERUGGELEGD},
    ReferralStatus.IN_BEHANDELING: {ReferralStatus.AFGEHANDELD, ReferralStatus.TERUGGELEGD},
    ReferralStatus.AFGEHANDELD: set(),
    ReferralStatus.TERUGGELEGD: set(),
}

REFERRAL_OPEN_STATUSES = frozenset(
    {ReferralStatus.VERZONDEN, ReferralStatus.ONTVANGEN, ReferralStatus.IN_BEHANDELING}
)
REFERRAL_TERM_WEEKS_DEFAULT = 8


class OutcomeKind(models.TextChoices):
    TERUGVORDERING = "terugvordering", "Terugvordering"
    BOETE = "boete", "Boete"
    BRP_CORRECTIE = "brp_correctie", "BRP-correctie"
    HULPVERLENING = "hulpverlening", "Hulpverlening gestart"
    GEEN_OVERTREDING = "geen_overtreding", "Geen overtreding"
    NIET_ONTVANKELIJK = "niet_ontvankelijk", "Niet-ontvankelijk"


# Outcomes that carry an amount in euros, and the one that needs a reason.
OUTCOMES_WITH_AMOUNT = frozenset({OutcomeKind.TERUGVORDERING, OutcomeKind.BOETE})
OUTCOMES_WITH_REASON = frozenset({OutcomeKind.NIET_ONTVANKELIJK})


class BrpCorrection(models.TextChoices):
    UITGESCHREVEN = "uitgeschreven", "Uitgeschreven"
    INGESCHREVEN = "ingeschreven", "Ingeschreven"
    ADRES_GECORRIGEERD = "adres_gecorrigeerd", "Adres gecorrigeerd"


@dataclass(frozen=True)
class DefaultCategory:
    """A finding category of the default list, with the referral it usually leads to."""

    code: str
    label: str
    referral_kind: ReferralKind
    # Organisation kinds suggested as the referral's target, in order of preference.
    target_kinds: tuple[OrganisationKind, ...]
    # The unit of the organisation (e.g. bouw- en woningtoezicht), shown with the suggestion.
    target_unit: str = ""


DEFAULT_FINDING_CATEGORIES: tuple[DefaultCategory, ...] = (
    DefaultCategory(
        "adresfraude",
        "Adresfraude (BRP klopt niet)",
        ReferralKind.TERUGMELDING_BRP,
        (OrganisationKind.GEMEENTE,),
        "Burgerzaken (BRP)",
    ),
    DefaultCategory(
        "uitkeringsfraude",
        "Uitkeringsfraude",
        ReferralKind.HANDHAVING,
        (OrganisationKind.UWV, OrganisationKind.SVB, OrganisationKind.GEMEENTE),
        "naar regeling: UWV (WW, WIA), SVB (AOW, kinderbijslag), gemeente (bijstand)",
    ),
    DefaultCategory(
        "toeslagfraude",
        "Toeslagfraude",
        ReferralKind.HANDHAVING,
        (OrganisationKind.BELASTINGDIENST,),
        "Dienst Toeslagen",
    ),
    DefaultCategory(
        "illegale_tewerkstelling",
        "Illegale tewerkstelling",
        ReferralKind.HANDHAVING,
        (OrganisationKind.ARBEIDSINSPECTIE,),
    ),
    DefaultCategory(
        "woningsplitsing",
        "Illegale woningsplitsing / kamerverhuur",
        ReferralKind.HANDHAVING,
        (OrganisationKind.GEMEENTE,),
        "Bouw- en woningtoezicht",
    ),
    DefaultCategory(
        "brandgevaar",
        "Brandgevaar",
        ReferralKind.HANDHAVING,
        (OrganisationKind.GEMEENTE,),
        "Bouw- en woningtoezicht",
    ),
    DefaultCategory(
        "onderverhuur",
        "Onderverhuur",
        ReferralKind.HANDHAVING,
        (OrganisationKind.WONINGCORPORATIE, OrganisationKind.GEMEENTE),
    ),
    DefaultCategory(
        "uitbuiting",
        "Uitbuiting",
        ReferralKind.STRAFRECHTELIJK,
        (OrganisationKind.ARBEIDSINSPECTIE, OrganisationKind.POLITIE),
    ),
    DefaultCategory(
        "overbewoning",
        "Overbewoning",
        ReferralKind.HANDHAVING,
        (OrganisationKind.GEMEENTE,),
        "Bouw- en woningtoezicht",
    ),
    DefaultCategory(
        "hennep",
        "Hennep / criminele activiteit",
        ReferralKind.STRAFRECHTELIJK,
        (OrganisationKind.POLITIE, OrganisationKind.OM),
    ),
    DefaultCategory(
        "niet_gebruik",
        "Niet-gebruik van voorzieningen (recht op uitkering of toeslag niet benut)",
        ReferralKind.ZORG,
        (OrganisationKind.GEMEENTE,),
        "Sociaal domein",
    ),
    DefaultCategory(
        "zorgsignaal",
        "Zorgsignaal (schulden, vervuiling, jeugd, huiselijk geweld)",
        ReferralKind.ZORG,
        (OrganisationKind.GEMEENTE,),
        "Sociaal domein",
    ),
    DefaultCategory("overig", "Overig", ReferralKind.HANDHAVING, (OrganisationKind.GEMEENTE,)),
)

# The scheduled job that marks open referrals past their term overdue (controls.tasks; the
# beat schedule in settings names it, wijkaanpak.core.jobs knows it by this name).
JOB_REFERRALS_MARK_OVERDUE = "referrals_mark_overdue"


class OwnerRevealStatus(models.TextChoices):
    """A request to re-identify an owner of the owner view (issue 12.4), decided by another
    person (four eyes, like the selection of addresses)."""

    AANGEVRAAGD = "aangevraagd", "Aangevraagd"
    GOEDGEKEURD = "goedgekeurd", "Goedgekeurd"
    AFGEWEZEN = "afgewezen", "Afgewezen"


OWNER_REVEAL_TRANSITIONS: dict[OwnerRevealStatus, set[OwnerRevealStatus]] = {
    OwnerRevealStatus.AANGEVRAAGD: {OwnerRevealStatus.GOEDGEKEURD, OwnerRevealStatus.AFGEWEZEN},
    OwnerRevealStatus.GOEDGEKEURD: set(),
    OwnerRevealStatus.AFGEWEZEN: set(),
}
