"""Demo data of data sharing: a data request and an accepted delivery for every source of
formats.md in the demo project in phase data_uitvraag, made from the synthetic wijk-300 files
in `demo_data/` through the real services (upload → validation → pseudonymisation).

Idempotent: a data request that already has an accepted delivery is left alone. Called by
`manage.py load_demo` after `projects.demo.build`.
"""

from datetime import timedelta
from pathlib import Path

from django.core.files.base import File
from django.utils import timezone

from partners.models import Organisation, User
from projects.constants import Phase, Role
from projects.models import Project, ProjectRole

from .constants import DataRequestStatus, DeliveryStatus
from .models import DataRequest

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
LEGAL_GROUND = "Art. 64 Wet SUWI; LSI-convenant (gegevenslevering voor bestandsvergelijking)"

# file → (source, organisation name in projects.demo). BAG first: energie names addresses by
# nummeraanduiding_id, which needs an accepted BAG delivery.
DELIVERIES = [
    ("bag.csv", "bag", "municipality"),
    ("brp.csv", "brp", "municipality"),
    ("uitkering_uwv.csv", "uitkering", "UWV"),
    ("uitkering_svb.csv", "uitkering", "SVB"),
    ("uitkering_pw.csv", "uitkering", "municipality"),
    ("toeslag.csv", "toeslag", "Belastingdienst"),
    ("huur.csv", "huur", "woningcorporatie"),
    ("kvk.csv", "kvk", "municipality"),
    ("energie.csv", "energie", "municipality"),
    ("signaal_politie.csv", "signaal", "Politie"),
    ("signaal_corporatie.csv", "signaal", "woningcorporatie"),
    ("signaal_uwv.csv", "signaal", "UWV"),
    ("eigendom.csv", "eigendom", "municipality"),
]


def _organisation(key: str, project: Project) -> Organisation:
    from projects.demo import WONINGCORPORATIE

    if key == "municipality":
        return project.municipality
    return Organisation.objects.get(name=WONINGCORPORATIE if key == "woningcorporatie" else key)


def _deliverer(organisation: Organisation, project: Project, leader: User) -> User:
    """A person of the organisation who may deliver: the projectleider for the municipality,
    `leverancier_<kind>` (role leverancier: its own requests and deliveries only) for a partner."""
    from projects.demo import demo_person, demo_role_ensure
    from projects.services import role_end

    if organisation.pk == project.municipality_id:
        return leader
    username = f"leverancier_{organisation.kind}"
    user, _made = demo_person(username, "Leverancier", organisation.name, organisation)
    roles = ProjectRole.objects.active().filter(project=project, person=user)
    # An older demo database made them analists; they deliver, so they are leveranciers now.
    for old in roles.filter(role=Role.ANALIST):
        role_end(actor=leader, project_role=old, reason="Levert alleen: rol leverancier")
    demo_role_ensure(project=project, person=user, role=Role.LEVERANCIER, actor=leader)
    return user


def build(*, stdout=None) -> None:
    from projects.demo import DEMO_PROJECT_SLUGS

    from .services import data_request_create, delivery_process, delivery_upload

    project = Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()
    if project is None:
        if stdout is not None:
            stdout.write("  geen demoproject in de fase data-uitvraag; overgeslagen")
        return
    leader = User.objects.get(username="projectleider")
    for filename, source, organisation_key in DELIVERIES:
        organisation = _organisation(organisation_key, project)
        data_request = (
            DataRequest.objects.filter(project=project, organisation=organisation, source=source)
            .exclude(status=DataRequestStatus.INGETROKKEN)
            .first()
        )
        if data_request is None:
            data_request = data_request_create(
                actor=leader,
                project=project,
                organisation=organisation,
                source=source,
                legal_ground=LEGAL_GROUND,
                deadline=timezone.localdate() + timedelta(days=28),
            )
        if data_request.deliveries.filter(status=DeliveryStatus.GEACCEPTEERD).exists():
            continue
        deliverer = _deliverer(organisation, project, leader)
        with (DEMO_DATA / filename).open("rb") as handle:
            delivery = delivery_upload(
                actor=deliverer,
                data_request=data_request,
                file=File(handle, name=filename),
                queue=False,
            )
        delivery = delivery_process(delivery_id=delivery.pk)
        if stdout is not None:
            stdout.write(
                f"  {filename}: {delivery.get_status_display()} ({delivery.valid_rows} rijen, "
                f"{delivery.invalid_rows} ongeldig)"
            )
