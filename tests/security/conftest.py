"""Fixtures of the cross-cutting security proofs: one project built through the real services,
in data_uitvraag, with a data request to its municipality and one processed delivery.

`build_world(text)` puts a string in every user-editable text field it can reach (project,
collegebesluit, projectvoorstel, projectplan, DPIA, convenant, organisation and person names, data
request, delivery file name), so the XSS corpus and the key-leak scan see every field rendered.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import pytest

from tests.factories import ConvenantFactory, OrganisationFactory, UserFactory, pdf_file

BAG_CSV = (
    "nummeraanduiding_id;postcode;huisnummer;huisletter;huisnummertoevoeging;gebruiksdoel;oppervlakte_m2\n"
    "0983200000000001;5911AB;10;A;;woonfunctie;40\n"
    "0983200000000002;5911AB;11;;;woonfunctie;41\n"
    "0983200000000003;5911AB;12;;;woonfunctie;42\n"
)


@dataclass
class World:
    projectleider: object
    partner_user: object
    project: object
    plan: object
    data_request: object
    delivery: object
    municipality: object
    partner: object

    def pages(self) -> dict[str, str]:
        """The HTML pages that show the world's user-entered texts (name → URL)."""
        slug = self.project.slug
        return {
            "projectlijst": reverse("projects:list"),
            "projectpagina": reverse("projects:detail", args=[slug]),
            "project wijzigen (formulier)": reverse("projects:update", args=[slug]),
            "projectplan": reverse("projects:plan_detail", args=[slug, self.plan.version]),
            "partners": reverse("projects:project_partners", args=[slug]),
            "rollen": reverse("projects:project_roles", args=[slug]),
            "uitvragen": reverse("datasharing:request-list", args=[slug]),
            "levering uploaden": reverse(
                "datasharing:delivery-upload", args=[slug, self.data_request.pk]
            ),
            "levering": reverse("datasharing:delivery-detail", args=[self.delivery.pk]),
        }


TEXT_FIELDS = (
    "organisation.name (gemeente)",
    "organisation.name (partner)",
    "user.first_name",
    "user.last_name",
    "project.name",
    "project.problem_analysis",
    "convenant.reference (gemeente)",
    "convenant.reference (partner)",
    "collegebesluit.reference",
    "projectvoorstel.lsi_instemming_reference",
    "projectplan.goals",
    "projectplan.approach",
    "projectplan.indicators_rationale",
    "projectplan.data_per_partner",
    "projectplan.planning",
    "projectplan.communication",
    "projectplan.retention",
    "dpia.reference",
    "datarequest.legal_ground",
)


def build_world(text="Gewone tekst", *, filename: str = "levering.csv") -> World:
    """The world through the real services. `text` is a string for every free-text field, or a
    function field name (TEXT_FIELDS) → string; `filename` is the delivery's upload name."""
    t = text if callable(text) else (lambda field: f"{text} #{TEXT_FIELDS.index(field)}")
    from datasharing.models import Delivery
    from datasharing.services import data_request_create, delivery_process, delivery_upload
    from projects import services
    from projects.constants import Phase
    from projects.services import project_convenant_register

    municipality = OrganisationFactory(
        name=t("organisation.name (gemeente)"), kind="gemeente", gemeentecode="0001"
    )
    partner = OrganisationFactory(name=t("organisation.name (partner)"), kind="uwv")
    ConvenantFactory(organisation=municipality, reference=t("convenant.reference (gemeente)"))
    projectleider = UserFactory(
        username="pl_sec",
        organisation=municipality,
        first_name=t("user.first_name"),
        last_name=t("user.last_name"),
    )
    partner_user = UserFactory(username="partner_sec", organisation=partner)
    project = services.project_create(
        actor=projectleider,
        name=t("project.name"),
        problem_analysis=t("project.problem_analysis"),
        buurtcodes=["BU09830101"],
        postcodes=[],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        peildatum=date(2026, 10, 1),
    )
    services.project_partner_add(actor=projectleider, project=project, organisation=partner)
    project_convenant_register(
        actor=projectleider,
        project=project,
        organisation=partner,
        kind="lsi",
        reference=t("convenant.reference (partner)"),
        valid_from=date(2024, 1, 1),
        document=pdf_file(),
    )
    project = services.project_advance(
        actor=projectleider, project=project, target=Phase.COLLEGEBESLUIT
    )
    services.collegebesluit_register(
        actor=projectleider,
        project=project,
        date=date(2026, 1, 15),
        reference=t("collegebesluit.reference"),
        document=pdf_file(),
        capacity_settled=True,
        data_permission=True,
    )
    project = services.project_advance(
        actor=projectleider, project=project, target=Phase.PROJECTPLAN
    )
    services.projectvoorstel_save(
        actor=projectleider,
        project=project,
        submitted_on=date(2026, 1, 20),
        lsi_instemming_date=date(2026, 2, 1),
        lsi_instemming_reference=t("projectvoorstel.lsi_instemming_reference"),
    )
    plan = services.projectplan_version_create(
        actor=projectleider,
        project=project,
        **{
            name: t(f"projectplan.{name}")
            for name in (
                "goals",
                "approach",
                "indicators_rationale",
                "data_per_partner",
                "planning",
                "communication",
                "retention",
            )
        },
    )
    services.projectplan_adopt(actor=projectleider, plan=plan)
    project = services.project_advance(actor=projectleider, project=project, target=Phase.PARTNERS)
    services.dpia_save(
        actor=projectleider,
        project=project,
        vastgesteld=True,
        date=date(2026, 2, 10),
        reference=t("dpia.reference"),
    )
    project = services.project_advance(
        actor=projectleider, project=project, target=Phase.DATA_UITVRAAG
    )
    data_request = data_request_create(
        actor=projectleider,
        project=project,
        organisation=municipality,
        source="bag",
        legal_ground=t("datarequest.legal_ground"),
        deadline=timezone.localdate() + timedelta(days=30),
    )
    upload = SimpleUploadedFile(filename, BAG_CSV.encode(), content_type="text/csv")
    delivery = delivery_upload(
        actor=projectleider, data_request=data_request, file=upload, queue=False
    )
    delivery_process(delivery_id=delivery.pk)
    return World(
        projectleider=projectleider,
        partner_user=partner_user,
        project=project,
        plan=plan,
        data_request=data_request,
        delivery=Delivery.objects.get(pk=delivery.pk),
        municipality=municipality,
        partner=partner,
    )


@pytest.fixture
def world(db):
    return build_world()
