"""factory_boy factories. State is reached through services, never by hand-set workflow fields."""

import functools
import io
from datetime import date

import factory
from factory.django import DjangoModelFactory

from partners.models import Convenant, Organisation, User


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = "overig"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"persoon{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.nl")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct-horse-battery-staple")


class ConvenantFactory(DjangoModelFactory):
    class Meta:
        model = Convenant

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "lsi"
    reference = factory.Sequence(lambda n: f"CONV-{n:04d}")
    valid_from = date(2024, 1, 1)
    valid_until = None


class ProjectFactory(factory.Factory):
    """Creates a project through `project_create` (the creator becomes projectleider).

    `partners=[org, ...]` adds partner organisations through the service as well.
    """

    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"Wijkaanpak Proefwijk {n}")
    created_by = factory.SubFactory(UserFactory)
    problem_analysis = "Veel signalen van overbewoning en adresfraude."
    buurtcodes = factory.LazyFunction(lambda: ["BU09830101"])
    postcodes: list = []
    period_start = date(2026, 1, 1)
    period_end = date(2026, 12, 31)
    peildatum = date(2026, 10, 1)
    partners: list = []

    @classmethod
    def _create(cls, model_class, *, created_by, partners, **fields):
        from projects.services import project_create, project_partner_add

        project = project_create(actor=created_by, **fields)
        for organisation in partners:
            project_partner_add(actor=created_by, project=project, organisation=organisation)
        return project


def member(project, username: str, organisation, role, *, actor=None) -> User:
    """A new person of `organisation` holding `role` on `project`, granted through the service
    (by `actor`, default the project's creator)."""
    from projects.services import role_grant

    person = UserFactory(username=username, organisation=organisation)
    role_grant(actor=actor or project.created_by, project=project, person=person, role=role)
    return person


@functools.cache
def minimal_pdf() -> bytes:
    """A real one-page PDF (written by pypdf), as the upload pages accept it."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_file(name: str = "document.pdf"):
    """A minimal real PDF upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


def project_to_phase(project, phase: str, *, actor=None):
    """Take a project through the real services up to `phase` (style rule 25).

    Registers what each gate needs (collegebesluit, voorstel with instemming, adopted plan,
    DPIA) with the projectleider `actor` (default: the creator). Phases after data_uitvraag need
    data-sharing records and are reached by the datasharing fixtures.
    """
    from projects import services
    from projects.constants import PHASE_ORDER, Phase

    actor = actor or project.created_by
    target = PHASE_ORDER.index(Phase(phase))
    for step in PHASE_ORDER[1 : target + 1]:
        if step == Phase.PROJECTPLAN:
            services.collegebesluit_register(
                actor=actor,
                project=project,
                date=date(2026, 1, 15),
                reference="CB-2026-001",
                document=pdf_file(),
                capacity_settled=True,
                data_permission=True,
            )
        elif step == Phase.PARTNERS:
            services.projectvoorstel_save(
                actor=actor,
                project=project,
                submitted_on=date(2026, 1, 20),
                lsi_instemming_date=date(2026, 2, 1),
                lsi_instemming_reference="LSI-2026-07",
            )
            plan = services.projectplan_version_create(
                actor=actor,
                project=project,
                goals="Doelen",
                approach="Aanpak",
                indicators_rationale="Indicatoren uit formats.md",
                data_per_partner="BAG, BRP",
                planning="Q3",
                communication="Bewonersbrief",
                retention="4 weken / 2 jaar",
            )
            services.projectplan_adopt(actor=actor, plan=plan)
        elif step == Phase.DATA_UITVRAAG:
            services.dpia_save(
                actor=actor,
                project=project,
                vastgesteld=True,
                date=date(2026, 2, 10),
                reference="DPIA-1",
            )
        project = services.project_advance(actor=actor, project=project, target=step)
    return project


def otp_device_for(user, *, confirmed: bool = True):
    """A TOTP device (django-otp) for `user`; its token is `totp_now(device)`."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="test", confirmed=confirmed)


def totp_now(device) -> str:
    """The current token of a TOTP device, computed as an authenticator app would."""
    from django_otp.oath import totp

    token = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{token:0{device.digits}d}"


def login_verified(client, user):
    """Log `client` in as `user` with a verified second factor (like the login + OTP steps)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or otp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def log_subject(entry) -> str:
    """The data subject's id of a processing-log record, decrypted (it is stored encrypted)."""
    from wijkaanpak.core.processing_log import processing_log_subject_decrypt

    return processing_log_subject_decrypt(entry.data_subject_id, entry.data_subject_id_type)


def log_token(subject_id: str, subject_type: str = "adrespseudoniem") -> str:
    """The stored (encrypted) form of a data subject's id, to filter the log on."""
    from wijkaanpak.core.processing_log import processing_log_subject_token

    return processing_log_subject_token(subject_id, subject_type)
