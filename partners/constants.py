from django.db import models


class OrganisationKind(models.TextChoices):
    GEMEENTE = "gemeente", "Gemeente"
    BELASTINGDIENST = "belastingdienst", "Belastingdienst"
    UWV = "uwv", "UWV"
    SVB = "svb", "SVB"
    ARBEIDSINSPECTIE = "arbeidsinspectie", "Nederlandse Arbeidsinspectie"
    POLITIE = "politie", "Politie"
    OM = "om", "Openbaar Ministerie"
    IND = "ind", "IND"
    WONINGCORPORATIE = "woningcorporatie", "Woningcorporatie"
    RIEC = "riec", "RIEC"
    VNG_NALEVING = "vng_naleving", "VNG Naleving"
    OVERIG = "overig", "Overig"


# Parties to the LSI-convenant; others (woningcorporatie, …) need an aanvullend convenant.
LSI_PARTIES = frozenset(
    {
        OrganisationKind.GEMEENTE,
        OrganisationKind.BELASTINGDIENST,
        OrganisationKind.UWV,
        OrganisationKind.SVB,
        OrganisationKind.ARBEIDSINSPECTIE,
        OrganisationKind.POLITIE,
        OrganisationKind.OM,
        OrganisationKind.IND,
    }
)


class ConvenantKind(models.TextChoices):
    LSI = "lsi", "LSI-convenant"
    AANVULLEND = "aanvullend", "Aanvullend convenant"


class Role(models.TextChoices):
    PROJECTLEIDER = "projectleider", "Projectleider"
    ANALIST = "analist", "Analist"
    INSPECTEUR = "inspecteur", "Inspecteur"
    BEHANDELAAR = "behandelaar", "Behandelaar"
    ADVISEUR = "adviseur", "Adviseur (VNG Naleving)"


class ProjectPerm(models.TextChoices):
    """Object permissions on a project, granted by the system from a person's role."""

    VIEW = "view_project", "Project inzien"
    MANAGE = "manage_project", "Project beheren (fasen, besluiten, partners)"
    DELIVER = "deliver_data", "Gegevens leveren"
    VIEW_PSEUDONYMISED = "view_pseudonymised", "Gepseudonimiseerde gegevens en risicolijst inzien"
    RUN_MATCHING = "run_matching", "Matching starten"
    PROPOSE_SELECTION = "propose_selection", "Adressen voordragen"
    APPROVE_SELECTION = "approve_selection", "Selectie goedkeuren (vier ogen)"
    VIEW_ADDRESSES = "view_addresses", "Herleide adressen inzien"
    PLAN_CONTROLS = "plan_controls", "Controleavonden plannen"
    RECORD_VISITS = "record_visits", "Bezoeken en bevindingen vastleggen"
    HANDLE_REFERRALS = "handle_referrals", "Doorverwijzingen afhandelen"
    VIEW_AGGREGATES = "view_aggregates", "Voortgang en totalen inzien"


ROLE_PERMISSIONS: dict[Role, frozenset[ProjectPerm]] = {
    Role.PROJECTLEIDER: frozenset(
        {
            ProjectPerm.VIEW,
            ProjectPerm.MANAGE,
            ProjectPerm.DELIVER,
            ProjectPerm.VIEW_PSEUDONYMISED,
            ProjectPerm.RUN_MATCHING,
            ProjectPerm.APPROVE_SELECTION,
            ProjectPerm.VIEW_ADDRESSES,
            ProjectPerm.PLAN_CONTROLS,
            ProjectPerm.VIEW_AGGREGATES,
        }
    ),
    Role.ANALIST: frozenset(
        {
            ProjectPerm.VIEW,
            ProjectPerm.DELIVER,
            ProjectPerm.VIEW_PSEUDONYMISED,
            ProjectPerm.RUN_MATCHING,
            ProjectPerm.PROPOSE_SELECTION,
        }
    ),
    Role.INSPECTEUR: frozenset(
        {ProjectPerm.VIEW, ProjectPerm.VIEW_ADDRESSES, ProjectPerm.RECORD_VISITS}
    ),
    Role.BEHANDELAAR: frozenset({ProjectPerm.VIEW, ProjectPerm.HANDLE_REFERRALS}),
    Role.ADVISEUR: frozenset({ProjectPerm.VIEW, ProjectPerm.VIEW_AGGREGATES}),
}
