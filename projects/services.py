"""Project lifecycle operations. Every write of a project goes through here."""

from django.db import transaction
from django.utils.text import slugify

from partners.constants import OrganisationKind, ProjectPerm, Role
from wijkaanpak.core.events import event_record
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted

from .constants import PHASE_ORDER, PROJECT_TRANSITIONS, Phase
from .gates import gate_missing
from .models import PhaseTransition, Project, ProjectPartner
from .selectors import PROJECTLEIDER_ONLY, project_perm_require

TRANSITION_NOT_ALLOWED = "Een project kan niet van fase '{van}' naar fase '{naar}'."
TRANSITION_GATE_CLOSED = "Het project kan nog niet naar fase '{naar}': {ontbreekt}"
NOT_PROJECTLEIDER = PROJECTLEIDER_ONLY
CREATOR_NOT_MUNICIPALITY = "Alleen een medewerker van een gemeente kan een project starten."


# Slugs that are path segments of their own under /projecten/ (projects.urls).
RESERVED_SLUGS = frozenset({"nieuw"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "project"
    slug, counter = base, 2
    while slug in RESERVED_SLUGS or Project.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def project_create(*, actor, name: str, **fields) -> Project:
    """Start a project in initiatie for the actor's municipality.

    The actor becomes projectleider.
    """
    from partners.services import role_grant

    municipality = actor.organisation
    if municipality is None or municipality.kind != OrganisationKind.GEMEENTE:
        raise NotPermitted(CREATOR_NOT_MUNICIPALITY)
    project = Project(
        municipality=municipality, name=name, slug=_unique_slug(name), created_by=actor, **fields
    )
    project.full_clean()
    project.save()
    ProjectPartner.objects.create(project=project, organisation=municipality, added_by=actor)
    event_record(
        actor=actor, kind="project_created", project=project, obj=project, to_state=project.phase
    )
    role_grant(actor=None, project=project, person=actor, role=Role.PROJECTLEIDER)
    return project


def project_next_phase(project: Project) -> Phase | None:
    index = PHASE_ORDER.index(Phase(project.phase))
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


@transaction.atomic
def project_advance(
    *, actor, project: Project, target: Phase | None = None, note: str = ""
) -> Project:
    """Move a project to its next phase, if the transition exists and its gate is open.

    Locks the project row, so two concurrent advances cannot both pass (R29).
    Raises InvalidTransition with the Dutch reason, NotPermitted for non-projectleiders.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    current = Phase(project.phase)
    target = Phase(target) if target else project_next_phase(project)
    if target is None or target not in PROJECT_TRANSITIONS[current]:
        raise InvalidTransition(
            TRANSITION_NOT_ALLOWED.format(van=current.label, naar=target.label if target else "—")
        )
    missing = gate_missing(project, target)
    if missing:
        raise InvalidTransition(
            TRANSITION_GATE_CLOSED.format(naar=target.label, ontbreekt=" ".join(missing)),
            {"missing": missing},
        )
    project.phase = target
    if target == Phase.AFGESLOTEN:
        # Starts the retention period after which all personal data and the key are destroyed.
        from django.utils import timezone

        project.closed_at = timezone.now()
    project.save(update_fields=["phase", "closed_at"])
    PhaseTransition.objects.create(
        project=project, from_phase=current, to_phase=target, actor=actor, note=note
    )
    event_record(
        actor=actor,
        kind="phase_changed",
        project=project,
        obj=project,
        from_state=current,
        to_state=target,
        reason=note,
    )
    return project


def project_missing_for_next_phase(project: Project) -> list[str]:
    """What the project page shows under 'nog nodig om verder te gaan'."""
    target = project_next_phase(project)
    return gate_missing(project, target) if target else []


PARTNER_ALREADY_IN_PROJECT = "{organisatie} neemt al deel aan dit project."
PARTNER_MUNICIPALITY_STAYS = "De gemeente voert de regie en kan het project niet verlaten."


@transaction.atomic
def project_partner_add(*, actor, project: Project, organisation) -> ProjectPartner:
    """Let an organisation take part. Its data access still waits for a valid convenant."""
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    if ProjectPartner.objects.filter(
        project=project, organisation=organisation, left_at__isnull=True
    ).exists():
        raise ApplicationError(
            PARTNER_ALREADY_IN_PROJECT.format(organisatie=organisation), {"field": "organisation"}
        )
    partner = ProjectPartner.objects.create(
        project=project, organisation=organisation, added_by=actor
    )
    event_record(
        actor=actor,
        kind="partner_added",
        project=project,
        obj=partner,
        data={"organisation": organisation.pk},
    )
    return partner


@transaction.atomic
def project_partner_remove(*, actor, partner: ProjectPartner, reason: str = "") -> ProjectPartner:
    """An organisation leaves: its people's roles end and their permissions go at once (R5)."""
    from django.utils import timezone

    from partners.services import roles_end_for_organisation

    partner = ProjectPartner.objects.select_for_update().get(pk=partner.pk)
    project_perm_require(actor=actor, project=partner.project, perm=ProjectPerm.MANAGE)
    if partner.organisation_id == partner.project.municipality_id:
        raise ApplicationError(PARTNER_MUNICIPALITY_STAYS)
    if partner.left_at is None:
        partner.left_at = timezone.now()
        partner.save(update_fields=["left_at"])
        roles_end_for_organisation(
            actor=actor, project=partner.project, organisation=partner.organisation, reason=reason
        )
        event_record(
            actor=actor,
            kind="partner_removed",
            project=partner.project,
            obj=partner,
            reason=reason,
            data={"organisation": partner.organisation_id},
        )
    return partner


PROJECT_EDITABLE_FIELDS = (
    "name",
    "problem_analysis",
    "buurtcodes",
    "postcodes",
    "peildatum",
    "period_start",
    "period_end",
    "retention_unselected_weeks",
    "retention_selection_months",
    "retention_after_close_weeks",
)
PROJECT_CLOSED = "Het project is afgesloten en kan niet meer worden gewijzigd."
PERIOD_INVALID = "De einddatum van de looptijd ligt vóór de begindatum."
PLAN_NEEDS_INSTEMMING = (
    "Het projectplan kan pas worden vastgesteld als de LSI met het projectvoorstel heeft ingestemd."
)
PLAN_ALREADY_ADOPTED = "Deze versie van het projectplan is al vastgesteld."
PLAN_ACK_NOT_PARTNER = "Uw organisatie neemt niet deel aan dit project."
PLAN_ACK_NOT_ADOPTED = "Alleen een vastgestelde versie van het projectplan kan worden bevestigd."
DPIA_VASTGESTELD_NEEDS_DATE = (
    "Een vastgestelde DPIA heeft een datum van vaststelling en een kenmerk."
)
INSTEMMING_INCOMPLETE = "Vul bij instemming van de LSI zowel de datum als het kenmerk in."


def _require_open(project: Project) -> None:
    if project.phase == Phase.AFGESLOTEN:
        raise InvalidTransition(PROJECT_CLOSED)


@transaction.atomic
def project_update(*, actor, project: Project, data: dict) -> Project:
    """Change the project's own fields (whitelisted), validated with full_clean()."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    _require_open(project)
    changed = [
        name
        for name in PROJECT_EDITABLE_FIELDS
        if name in data and getattr(project, name) != data[name]
    ]
    for name in changed:
        setattr(project, name, data[name])
    if project.period_start and project.period_end and project.period_end < project.period_start:
        raise ApplicationError(PERIOD_INVALID, {"field": "period_end"})
    project.full_clean()
    project.save(update_fields=changed or None)
    if changed:
        event_record(
            actor=actor,
            kind="project_updated",
            project=project,
            obj=project,
            data={"fields": changed},
        )
    return project


@transaction.atomic
def collegebesluit_register(
    *,
    actor,
    project: Project,
    date,
    reference: str,
    document,
    capacity_settled: bool,
    data_permission: bool,
):
    """Register the college's decision. A newer besluit replaces the older one in the gates."""
    from .models import Collegebesluit

    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    _require_open(project)
    besluit = Collegebesluit(
        project=project,
        date=date,
        reference=reference,
        document=document,
        capacity_settled=capacity_settled,
        data_permission=data_permission,
        registered_by=actor,
    )
    besluit.full_clean()
    besluit.save()
    event_record(
        actor=actor,
        kind="collegebesluit_registered",
        project=project,
        obj=besluit,
        data={"capacity_settled": capacity_settled, "data_permission": data_permission},
    )
    return besluit


@transaction.atomic
def projectvoorstel_save(
    *,
    actor,
    project: Project,
    submitted_on,
    document=None,
    lsi_instemming_date=None,
    lsi_instemming_reference: str = "",
):
    """Record the proposal's submission to the LSI and, once given, the LSI's instemming."""
    from .models import Projectvoorstel

    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    _require_open(project)
    if bool(lsi_instemming_date) != bool(lsi_instemming_reference.strip()):
        raise ApplicationError(INSTEMMING_INCOMPLETE, {"field": "lsi_instemming_reference"})
    voorstel, _ = Projectvoorstel.objects.select_for_update().get_or_create(
        project=project, defaults={"submitted_on": submitted_on, "updated_by": actor}
    )
    voorstel.submitted_on = submitted_on
    voorstel.lsi_instemming_date = lsi_instemming_date
    voorstel.lsi_instemming_reference = lsi_instemming_reference.strip()
    voorstel.updated_by = actor
    if document is not None:
        voorstel.document = document
    voorstel.full_clean()
    voorstel.save()
    event_record(
        actor=actor,
        kind="projectvoorstel_saved",
        project=project,
        obj=voorstel,
        data={"instemming": voorstel.has_instemming},
    )
    return voorstel


@transaction.atomic
def projectplan_version_create(*, actor, project: Project, document=None, **content):
    """Add a new version of the projectplan (versions are never edited in place)."""
    from .models import ProjectplanVersion

    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    _require_open(project)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    last = project.plan_versions.order_by("-version").values_list("version", flat=True).first() or 0
    plan = ProjectplanVersion(project=project, version=last + 1, created_by=actor, **content)
    if document is not None:
        plan.document = document
    plan.full_clean()
    plan.save()
    event_record(
        actor=actor,
        kind="projectplan_version_created",
        project=project,
        obj=plan,
        to_state=str(plan.version),
    )
    return plan


@transaction.atomic
def projectplan_adopt(*, actor, plan):
    """Adopt (vaststellen) a plan version; only after the LSI's instemming with the voorstel."""
    from .models import ProjectplanVersion

    plan = ProjectplanVersion.objects.select_for_update().select_related("project").get(pk=plan.pk)
    project = plan.project
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    _require_open(project)
    if plan.adopted_at is not None:
        raise InvalidTransition(PLAN_ALREADY_ADOPTED)
    voorstel = getattr(project, "projectvoorstel", None)
    if voorstel is None or not voorstel.has_instemming:
        raise InvalidTransition(PLAN_NEEDS_INSTEMMING)
    from django.utils import timezone

    plan.adopted_by = actor
    plan.adopted_at = timezone.now()
    plan.save(update_fields=["adopted_by", "adopted_at"])
    event_record(
        actor=actor,
        kind="projectplan_adopted",
        project=project,
        obj=plan,
        to_state=str(plan.version),
    )
    return plan


@transaction.atomic
def projectplan_acknowledge(*, actor, plan):
    """A partner organisation confirms it knows the adopted plan (one per organisation)."""
    from .models import PlanAcknowledgement

    project = plan.project
    project_perm_require(actor=actor, project=project, perm=ProjectPerm.VIEW)
    if plan.adopted_at is None:
        raise InvalidTransition(PLAN_ACK_NOT_ADOPTED)
    if not ProjectPartner.objects.filter(
        project=project, organisation_id=actor.organisation_id, left_at__isnull=True
    ).exists():
        raise NotPermitted(PLAN_ACK_NOT_PARTNER)
    ack, created = PlanAcknowledgement.objects.get_or_create(
        plan_version=plan,
        organisation_id=actor.organisation_id,
        defaults={"acknowledged_by": actor},
    )
    if created:
        event_record(actor=actor, kind="projectplan_acknowledged", project=project, obj=plan)
    return ack


@transaction.atomic
def dpia_save(
    *, actor, project: Project, vastgesteld: bool, date=None, reference: str = "", document=None
):
    """Record the DPIA; no data may be requested before it is vastgesteld."""
    from .models import Dpia

    project_perm_require(actor=actor, project=project, perm=ProjectPerm.MANAGE)
    _require_open(project)
    if vastgesteld and not (date and reference.strip()):
        raise ApplicationError(
            DPIA_VASTGESTELD_NEEDS_DATE, {"field": "date" if not date else "reference"}
        )
    dpia, _ = Dpia.objects.select_for_update().get_or_create(
        project=project, defaults={"updated_by": actor}
    )
    dpia.vastgesteld, dpia.date, dpia.reference, dpia.updated_by = (
        vastgesteld,
        date,
        reference.strip(),
        actor,
    )
    if document is not None:
        dpia.document = document
    dpia.full_clean()
    dpia.save()
    event_record(
        actor=actor,
        kind="dpia_saved",
        project=project,
        obj=dpia,
        to_state="vastgesteld" if vastgesteld else "concept",
    )
    return dpia
