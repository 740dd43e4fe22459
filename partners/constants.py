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
