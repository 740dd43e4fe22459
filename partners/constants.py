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


class ApiScope(models.TextChoices):
    """What a REST client token may do (issue 14): read, or read and record referral outcomes."""

    READ = "read", "Lezen"
    READ_REFERRAL_OUTCOME = "read_referral_outcome", "Lezen en uitkomst van doorverwijzingen"


# How long an API client token is valid when the administrator does not say (at most a year).
API_TOKEN_DAYS_DEFAULT = 90
API_TOKEN_DAYS_MAX = 366
