"""Demo data for the projects part: Gemeente Voorbeeldstad, its partners, one login per role
and one project in every phase reachable today (initiatie … data_uitvraag).

Everything is made through the services, like a real projectleider would; `build()` is
idempotent (it looks things up by name and only creates what is missing), so a second run
changes nothing. Other apps' demo builders find the data-uitvraag project through
`DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]` and the people through `DEMO_USERNAMES`.
"""

import io
from datetime import date

from django.core.files.base import ContentFile

from partners.constants import ConvenantKind, OrganisationKind
from partners.models import Convenant, Organisation, User
from projects.constants import Role

from . import services
from .constants import PHASE_ORDER, Phase
from .models import Project

DEMO_PASSWORD = "Voorbeeldstad-demo-2026"  # noqa: S105 - local demo only, printed by load_demo
MUNICIPALITY = "Gemeente Voorbeeldstad"
WONINGCORPORATIE = "Woonstichting Voorbeeldstad"

# (name, kind, convenant kind or None)
ORGANISATIONS = [
    (MUNICIPALITY, OrganisationKind.GEMEENTE, ConvenantKind.LSI),
    ("UWV", OrganisationKind.UWV, ConvenantKind.LSI),
    ("SVB", OrganisationKind.SVB, ConvenantKind.LSI),
    ("Belastingdienst", OrganisationKind.BELASTINGDIENST, ConvenantKind.LSI),
    ("Politie", OrganisationKind.POLITIE, ConvenantKind.LSI),
    (WONINGCORPORATIE, OrganisationKind.WONINGCORPORATIE, ConvenantKind.AANVULLEND),
    ("VNG Naleving", OrganisationKind.VNG_NALEVING, None),
]

# username -> (first name, last name, organisation, role in the demo projects)
DEMO_USERNAMES = {
    "projectleider": ("Fatima", "El Amrani", MUNICIPALITY, Role.PROJECTLEIDER),
    "analist": ("Joost", "de Vries", MUNICIPALITY, Role.ANALIST),
    "inspecteur": ("Sanne", "Bakker", "Politie", Role.INSPECTEUR),
    "behandelaar": ("Mehmet", "Yilmaz", "UWV", Role.BEHANDELAAR),
    "adviseur": ("Els", "Jansen", "VNG Naleving", Role.ADVISEUR),
}

PROJECT_PHASES = [
    Phase.INITIATIE,
    Phase.COLLEGEBESLUIT,
    Phase.PROJECTPLAN,
    Phase.PARTNERS,
    Phase.DATA_UITVRAAG,
]
PROJECT_NAMES = {
    Phase.INITIATIE: "Wijkaanpak Stationskwartier",
    Phase.COLLEGEBESLUIT: "Wijkaanpak Havenbuurt",
    Phase.PROJECTPLAN: "Wijkaanpak De Akkers",
    Phase.PARTNERS: "Wijkaanpak Molenwijk",
    Phase.DATA_UITVRAAG: "Wijkaanpak Oude Westen",
}
DEMO_PROJECT_SLUGS = {
    phase: name.lower().replace(" ", "-") for phase, name in PROJECT_NAMES.items()
}
PARTNERS = ["UWV", "SVB", "Belastingdienst", "Politie", WONINGCORPORATIE, "VNG Naleving"]

# The area of the demo projects: where the synthetic deliveries of datasharing/demo_data (the
# wijk-300 neighbourhood) lie — buurten 01–09 of wijken 01–09 (BU0983wwbb) and their postcodes.
DEMO_BUURTCODES = [
    f"BU0983{wijk:02d}{buurt:02d}" for wijk in range(1, 10) for buurt in range(1, 10)
]
DEMO_POSTCODES = [
    *("5911FU", "5911ID", "5911MN", "5911MV", "5911QH", "5911UR", "5911WO"),
    *("5912DP", "5912LH", "5912NX", "5912SD", "5912SZ", "5913AA", "5913XZ"),
    *("5914JA", "5914PR", "5914RU", "5914UM", "5914YO", "5915VG", "5915YY"),
    *("5916HY", "5916JD", "5916KX", "5916QN"),
]


def _pdf(name: str) -> ContentFile:
    """A real one-page PDF (the upload pages accept only what pypdf reads as one)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return ContentFile(buffer.getvalue(), name=name)


def _organisations() -> dict[str, Organisation]:
    organisations = {}
    for name, kind, _convenant_kind in ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "gemeentecode": "9999" if kind == OrganisationKind.GEMEENTE else "",
            },
        )
        organisations[name] = organisation
    return organisations


def _convenants(organisations: dict[str, Organisation], registrar: User) -> None:
    from partners.services import convenant_register

    for name, _kind, convenant_kind in ORGANISATIONS:
        organisation = organisations[name]
        reference = (
            f"{'LSI' if convenant_kind == ConvenantKind.LSI else 'AC'}-2025-{organisation.pk:03d}"
        )
        if (
            convenant_kind
            and not Convenant.objects.filter(
                organisation=organisation, reference=reference
            ).exists()
        ):
            convenant_register(
                actor=registrar,
                organisation=organisation,
                kind=convenant_kind,
                reference=reference,
                valid_from=date(2025, 1, 1),
                document=_pdf("convenant.pdf"),
            )


def demo_person(
    username: str, first: str, last: str, organisation: Organisation, *, is_staff: bool = False
) -> tuple[User, bool]:
    """The demo login `username` (made once, with the demo password); whether it was made now.

    Every app's demo builder makes its people through this, so that a second `load_demo`
    leaves them as they are."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@voorbeeldstad.example",
        organisation=organisation,
        is_staff=is_staff,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user, True


def demo_role_ensure(*, project: Project, person: User, role: Role, actor: User) -> None:
    """Give `person` the demo `role` in `project` unless they hold it already (idempotent)."""
    from .models import ProjectRole

    if not ProjectRole.objects.active().filter(project=project, person=person, role=role).exists():
        services.role_grant(actor=actor, project=project, person=person, role=role)


def _people(organisations: dict[str, Organisation]) -> dict[str, User]:
    return {
        username: demo_person(username, first, last, organisations[organisation])[0]
        for username, (first, last, organisation, _role) in DEMO_USERNAMES.items()
    }


# The functional administrator (design.md "functioneel beheerder"): staff with the admin's
# permissions for people, organisations and enrolment links, and no role in any project, so
# they see no project's data (style rule 16). Made here, not through the admin, once.
ADMINISTRATOR = ("beheerder", "Bram", "Kok", MUNICIPALITY)
ADMINISTRATOR_PERMISSIONS = (
    "view_user",
    "change_user",
    "add_user",
    "view_organisation",
    "change_organisation",
    "add_enrolmentlink",
    "view_enrolmentlink",
    "view_event",
    "view_convenant",
)


def _administrator(organisations: dict[str, Organisation]) -> User:
    from django.contrib.auth.models import Permission

    username, first, last, organisation = ADMINISTRATOR
    user, made = demo_person(username, first, last, organisations[organisation], is_staff=True)
    if made:
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=ADMINISTRATOR_PERMISSIONS)
        )
    return user


def _advance(project: Project, target: Phase, actor: User) -> Project:
    """Register what each gate asks for, then advance, up to `target` (through the services)."""
    while Phase(project.phase) != target:
        step = PHASE_ORDER[PHASE_ORDER.index(Phase(project.phase)) + 1]
        if step == Phase.PROJECTPLAN:
            services.collegebesluit_register(
                actor=actor,
                project=project,
                date=date(2026, 1, 15),
                reference=f"CB-2026-{project.pk:03d}",
                document=_pdf("collegebesluit.pdf"),
                capacity_settled=True,
                data_permission=True,
            )
        elif step == Phase.PARTNERS:
            services.projectvoorstel_save(
                actor=actor,
                project=project,
                submitted_on=date(2026, 1, 20),
                document=_pdf("voorstel.pdf"),
                lsi_instemming_date=date(2026, 2, 2),
                lsi_instemming_reference=f"LSI-2026-{project.pk:03d}",
            )
            plan = services.projectplan_version_create(
                actor=actor,
                project=project,
                goals="Adresfraude en overbewoning terugdringen; "
                "bewoners die hulp nodig hebben bereiken.",
                approach="Huisbezoeken door een gemengd team; zorg en handhaving in balans.",
                indicators_rationale="Overbewoning, inschrijving zonder energieverbruik en "
                "uitkering op een adres met veel inschrijvingen: "
                "elk met een uitgelegde reden.",
                data_per_partner="Gemeente: BAG, BRP. UWV en SVB: uitkeringen. "
                "Belastingdienst: toeslagen.",
                planning="Data-uitvraag in maart, controleavonden in april en mei.",
                communication="Bewonersbrief vooraf, informatieavond in het buurthuis.",
                retention="Niet-geselecteerde adressen 4 weken; selectie ten hoogste 2 jaar.",
                document=_pdf("projectplan.pdf"),
            )
            services.projectplan_adopt(actor=actor, plan=plan)
        elif step == Phase.DATA_UITVRAAG:
            services.dpia_save(
                actor=actor,
                project=project,
                vastgesteld=True,
                date=date(2026, 2, 20),
                reference=f"DPIA-2026-{project.pk:03d}",
                document=_pdf("dpia.pdf"),
            )
        project = services.project_advance(actor=actor, project=project, target=step)
    return project


def _project(
    phase: Phase, organisations: dict[str, Organisation], people: dict[str, User]
) -> Project:
    from projects.services import role_grant

    leader = people["projectleider"]
    project = Project.objects.filter(slug=DEMO_PROJECT_SLUGS[phase]).first()
    if project is None:
        project = services.project_create(
            actor=leader,
            name=PROJECT_NAMES[phase],
            problem_analysis="Signalen van overbewoning, adresfraude en uitbuiting van "
            "arbeidsmigranten; bewoners met schulden worden slecht bereikt.",
            buurtcodes=DEMO_BUURTCODES,
            postcodes=DEMO_POSTCODES,
            peildatum=date(2026, 10, 1),  # the peildatum of the wijk-300 sample deliveries
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        )
    if (
        PHASE_ORDER.index(phase) >= PHASE_ORDER.index(Phase.PARTNERS)
        and not project.partners.filter(organisation__name="UWV").exists()
    ):
        for name in PARTNERS:
            services.project_partner_add(
                actor=leader, project=project, organisation=organisations[name]
            )
        for username, (_f, _l, _o, role) in DEMO_USERNAMES.items():
            if role != Role.PROJECTLEIDER:
                role_grant(actor=leader, project=project, person=people[username], role=role)
    if PHASE_ORDER.index(Phase(project.phase)) < PHASE_ORDER.index(phase):
        project = _advance(project, phase, leader)
    return project


def build(*, stdout=None) -> None:
    """Create (only what is missing of) the demo municipality, partners, people and projects."""
    organisations = _organisations()
    people = _people(organisations)
    _administrator(organisations)
    _convenants(organisations, registrar=people["projectleider"])
    for phase in PROJECT_PHASES:
        project = _project(phase, organisations, people)
        if stdout is not None:
            stdout.write(f"  project {project.name}: fase {project.get_phase_display()}")


def summary(stdout) -> None:
    """The demo logins, printed by load_demo after every builder ran."""
    for username, (_first, _last, organisation, role) in DEMO_USERNAMES.items():
        stdout.write(f"  {username:<14} ({role.label}, {organisation})")
    username, _first, _last, organisation = ADMINISTRATOR
    stdout.write(f"  {username:<14} (functioneel beheerder, /beheer/, {organisation})")
    stdout.write(f"  wachtwoord voor alle demo-accounts: {DEMO_PASSWORD}")
