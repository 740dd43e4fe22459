"""Demo data of the follow-up (issue 12.6), on the demo project's findings (CONTROLS' demo
builder runs first), through the services like real users:

* behandelaars of the Belastingdienst and the gemeente besides the demo `behandelaar` (UWV),
  and the RIEC taking part with a convenant;
* referrals in every state: to UWV verzonden, ontvangen, in behandeling, teruggelegd and
  afgehandeld (terugvordering with its amount), one past its term (marked overdue by the
  scheduled task's service); to the Belastingdienst a boete; to the gemeente a BRP-correctie,
  hulpverlening gestart, geen overtreding and niet-ontvankelijk;
* one owner (Kadaster) of three addresses with findings — the sample's eigendom file names one
  for the finished evening's addresses; where it does not, a corrected eigendom delivery of the
  municipality adds one — and its re-identification is requested by the analist.

Idempotent: nothing is made when the project already has referrals, or has no findings yet.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.constants import ConvenantKind, OrganisationKind
from partners.models import Convenant, Organisation, User
from projects.constants import Role
from projects.models import Project, ProjectPartner

from .constants import OutcomeKind, ReferralKind
from .models import Finding, Referral
from .services import owners as owner_services
from .services import referrals as services

# username -> (first name, last name, organisation): behandelaars besides the demo one (UWV).
DEMO_HANDLERS = {
    "behandelaar_bd": ("Anouk", "Visser", "Belastingdienst"),
    "behandelaar_gemeente": ("Youssef", "Amrani", "Gemeente Voorbeeldstad"),
}
RIEC_NAME = "RIEC Oost-Nederland"
OWNER_KVK = "30999998"  # synthetic, 8 digits


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_project() -> Project | None:
    from projects.constants import Phase
    from projects.demo import DEMO_PROJECT_SLUGS

    return Project.objects.filter(slug=DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]).first()


def _handlers(project: Project, leader: User) -> dict[str, User]:
    from projects.demo import demo_person, demo_role_ensure

    people = {"UWV": User.objects.get(username="behandelaar")}
    for username, (first, last, organisation) in DEMO_HANDLERS.items():
        person, _made = demo_person(
            username, first, last, Organisation.objects.get(name=organisation)
        )
        people[organisation] = person
    for person in people.values():
        demo_role_ensure(project=project, person=person, role=Role.BEHANDELAAR, actor=leader)
    return people


def _riec(project: Project, leader: User) -> Organisation:
    from projects.services import project_partner_add

    riec, _ = Organisation.objects.get_or_create(
        name=RIEC_NAME, defaults={"kind": OrganisationKind.RIEC}
    )
    if not Convenant.objects.filter(organisation=riec).exists():
        Convenant.objects.create(
            organisation=riec,
            kind=ConvenantKind.LSI,
            reference=f"LSI-2025-{riec.pk:03d}",
            valid_from=timezone.localdate() - timedelta(days=365),
        )
    if not ProjectPartner.objects.active().filter(project=project, organisation=riec).exists():
        project_partner_add(actor=leader, project=project, organisation=riec)
    return riec


# (organisation, kind, how far it gets): the outcome kind, "ontvangen", "in_behandeling",
# "teruggelegd" or "" (verzonden); "overdue" is a verzonden one past its term.
PLAN: list[tuple[str, str, str, dict[str, object]]] = [
    ("UWV", ReferralKind.HANDHAVING, OutcomeKind.TERUGVORDERING, {"amount": Decimal("8420.00")}),
    ("UWV", ReferralKind.HANDHAVING, "in_behandeling", {}),
    ("UWV", ReferralKind.HANDHAVING, "ontvangen", {}),
    ("UWV", ReferralKind.HANDHAVING, "", {}),
    ("UWV", ReferralKind.HANDHAVING, "overdue", {}),
    (
        "UWV",
        ReferralKind.HANDHAVING,
        "teruggelegd",
        {"reason": "Geen uitkering van UWV op dit adres; hoort bij de gemeente (bijstand)."},
    ),
    ("Belastingdienst", ReferralKind.HANDHAVING, OutcomeKind.BOETE, {"amount": Decimal("1250.00")}),
    (
        "Gemeente Voorbeeldstad",
        ReferralKind.TERUGMELDING_BRP,
        OutcomeKind.BRP_CORRECTIE,
        {"brp_correction": "uitgeschreven"},
    ),
    (
        "Gemeente Voorbeeldstad",
        ReferralKind.ZORG,
        OutcomeKind.HULPVERLENING,
        {"reason": "Schuldhulp gestart via het wijkteam."},
    ),
    ("Gemeente Voorbeeldstad", ReferralKind.HANDHAVING, OutcomeKind.GEEN_OVERTREDING, {}),
    (
        "Gemeente Voorbeeldstad",
        ReferralKind.HANDHAVING,
        OutcomeKind.NIET_ONTVANKELIJK,
        {"reason": "Buiten de termijn van de Participatiewet."},
    ),
]


def _referrals(project: Project, leader: User, handlers: dict[str, User], stdout) -> None:
    findings = list(Finding.objects.filter(visit__project=project).order_by("pk"))
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=handlers)}
    for index, (name, kind, end, fields) in enumerate(PLAN):
        finding = findings[index % len(findings)]
        referral = services.referral_create(
            actor=leader,
            finding=finding,
            kind=kind,
            organisation=organisations[name],
            note="Bevinding van de controleavond; graag uw oordeel en de uitkomst.",
        )
        handler = handlers[name]
        if end in ("", "overdue"):
            if end == "overdue":
                # Sent nine weeks ago: its term ended a week ago (demo history).
                Referral.objects.filter(pk=referral.pk).update(
                    created_at=timezone.now() - timedelta(weeks=9),
                    due_on=timezone.localdate() - timedelta(weeks=1),
                )
            continue
        referral = services.referral_receive(actor=handler, referral=referral)
        if end == "ontvangen":
            continue
        if end == "teruggelegd":
            services.referral_return(actor=handler, referral=referral, reason=str(fields["reason"]))
            continue
        referral = services.referral_start(actor=handler, referral=referral)
        if end == "in_behandeling":
            continue
        services.referral_complete(
            actor=handler,
            referral=referral,
            outcome=end,
            amount=fields.get("amount"),
            brp_correction=str(fields.get("brp_correction", "")),
            reason=str(fields.get("reason", "")),
        )
    marked = services.referrals_mark_overdue()
    _say(stdout, f"  {len(PLAN)} doorverwijzingen in elke status ({marked} over de termijn)")


def _owner(project: Project, leader: User, stdout) -> None:
    """An owner of three visited addresses with findings (from the sample's eigendom file, or
    added to it), whose re-identification the analist requests (the projectleider decides)."""
    from .selectors.owners import owners_with_findings

    if not any(len(row.visits) >= 3 for row in owners_with_findings(project=project)):
        _eigendom_add(project, leader)
    analist = User.objects.get(username="analist")
    for row in owners_with_findings(project=project):
        if len(row.visits) >= 3:
            owner_services.owner_reveal_request(
                actor=analist,
                project=project,
                owner_key=row.owner_key,
                reason="Eén eigenaar van drie panden met bevindingen: mogelijk een signaal "
                "voor het RIEC.",
            )
            _say(
                stdout, f"  eigenaar {row.pseudonym} met {len(row.visits)} adressen met bevindingen"
            )
            break


def _eigendom_add(project: Project, leader: User) -> None:
    """The municipality delivers its eigendom file again with one company added as the owner
    of three visited addresses with findings (when the sample names no such owner)."""
    from datasharing.demo import DEMO_DATA
    from datasharing.models import DataRequest
    from datasharing.pseudonymisation import vault_lookup
    from datasharing.services.deliveries import delivery_process, delivery_upload

    from .models import Visit

    visits = list(
        Visit.objects.filter(project=project, findings__isnull=False).distinct().order_by("pk")[:3]
    )
    if len(visits) < 3:
        return
    lines = ["postcode;huisnummer;huisletter;huisnummertoevoeging;eigenaar_id;eigenaar_soort"]
    for visit in visits:
        parts = vault_lookup(project=project, address_key=visit.address_key) or {}
        lines.append(
            f"{parts.get('postcode', '')};{parts.get('huisnummer', '')};"
            f"{parts.get('huisletter') or ''};{parts.get('huisnummertoevoeging') or ''};"
            f"{OWNER_KVK};rechtspersoon"
        )
    # The municipality delivers its eigendom file again, with the three rows added: the newer
    # delivery replaces the older one (formats.md §3), as a corrected extract would.
    request = (
        DataRequest.objects.filter(
            project=project, organisation=project.municipality, source="eigendom"
        )
        .order_by("-pk")
        .first()
    )
    if request is None:
        return
    original = (DEMO_DATA / "eigendom.csv").read_text(encoding="utf-8-sig").splitlines()
    header = [name.strip().lower() for name in original[0].split(";")]
    added = []
    for line in lines[1:]:
        values = dict(zip(lines[0].split(";"), line.split(";"), strict=True))
        added.append(";".join(values.get(name, "") for name in header))
    text = "\r\n".join([*original, *added]) + "\r\n"
    upload = SimpleUploadedFile("eigendom_gecorrigeerd.csv", text.encode(), content_type="text/csv")
    delivery = delivery_upload(actor=leader, data_request=request, file=upload, queue=False)
    delivery_process(delivery_id=delivery.pk)


def build(*, stdout=None) -> None:
    project = _demo_project()
    if project is None:
        return
    if Referral.objects.filter(project=project).exists():
        return
    if not Finding.objects.filter(visit__project=project).exists():
        _say(stdout, "  (opvolging: nog geen bevindingen; eerst de controleavonden)")
        return
    leader = User.objects.get(username="projectleider")
    handlers = _handlers(project, leader)
    _riec(project, leader)
    _referrals(project, leader, handlers, stdout)
    _owner(project, leader, stdout)


def summary(stdout) -> None:
    """The follow-up's extra logins (after every builder ran)."""
    for username, (_first, _last, organisation) in DEMO_HANDLERS.items():
        if User.objects.filter(username=username).exists():
            stdout.write(f"  {username:<20} (Behandelaar, {organisation})")
