"""Project pages: thin class-based views that call selectors and services (style rules 14, 17).

Every project-scoped view looks the project up through `project_get_for_user` with the
permission it needs, so a project of someone else is a 404, never a 403 (security R2).
"""

import os

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.views import ApplicationErrorFormMixin

from .. import services
from ..constants import PHASE_ORDER, Phase, ProjectPerm, phase_reached
from ..forms import (
    AdvanceForm,
    CollegebesluitForm,
    DpiaForm,
    ProjectForm,
    ProjectplanForm,
    ProjectUpdateForm,
    ProjectvoorstelForm,
)
from ..navigation import (
    ProjectAccess,
    missing_with_links,
    plan_links,
    start_sections,
    with_phase_steps,
)
from ..selectors import (
    project_document_get_for_user,
    project_documents,
    project_list_for_user,
    project_partners_overview,
    project_plan_get,
    project_plan_versions,
    project_roles,
    project_transitions,
)
from .base import ProjectScopedMixin, person_of

ADVANCED = "Het project is nu in fase '{fase}'."
SAVED = "De wijzigingen zijn opgeslagen."
PROJECT_CREATED = "Het project '{naam}' is aangemaakt. U bent de projectleider."
COLLEGEBESLUIT_SAVED = "Het collegebesluit is geregistreerd."
VOORSTEL_SAVED = "Het projectvoorstel is opgeslagen."
PLAN_CREATED = "Versie {versie} van het projectplan is opgeslagen."
PLAN_ADOPTED = "Versie {versie} van het projectplan is vastgesteld."
PLAN_ACKNOWLEDGED = "Uw organisatie heeft kennisgenomen van versie {versie} van het projectplan."
DPIA_SAVED = "De DPIA is opgeslagen."


def _can_create_project(user) -> bool:
    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.kind == "gemeente"


class StartView(TemplateView):
    """The start page: for each kind of work the person does, its section (projects.navigation:
    the projectleider their projects, the analist deliveries and risk list, and so on)."""

    template_name = "projects/start.html"

    def get_context_data(self, **kwargs):
        person = person_of(self.request)
        return {
            **super().get_context_data(**kwargs),
            "sections": start_sections(user=person),
            "can_create": _can_create_project(person),
        }


class ProjectListView(ListView):
    """Mijn projecten: the projects in which the user holds a role."""

    template_name = "projects/project_list.html"
    context_object_name = "projects"

    def get_queryset(self):
        return project_list_for_user(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = _can_create_project(self.request.user)
        context["section"] = {
            "projects": with_phase_steps(list(context["projects"])),
            "phase_count": len(PHASE_ORDER),
        }
        return context


class ProjectCreateView(ApplicationErrorFormMixin, FormView):
    """Nieuw project: only staff of a municipality (the service enforces it as well)."""

    template_name = "projects/project_form.html"
    form_class = ProjectForm

    def dispatch(self, request, *args, **kwargs):
        if not _can_create_project(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        project = services.project_create(actor=person_of(self.request), **form.service_data())
        messages.success(self.request, PROJECT_CREATED.format(naam=project.name))
        return redirect("projects:detail", slug=project.slug)


class ProjectDetailView(ProjectScopedMixin, TemplateView):
    """The project page: phase, what is still missing, history, partners, people, documents."""

    template_name = "projects/project_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project, user = self.project, self.request.user
        current = PHASE_ORDER.index(Phase(project.phase))
        context["phases"] = [
            {"phase": phase, "number": i + 1, "done": i < current, "current": i == current}
            for i, phase in enumerate(PHASE_ORDER)
        ]
        context["next_phase"] = services.project_next_phase(project)
        context["missing"] = missing_with_links(
            access=ProjectAccess(user=user, project=project, perms=self.project_perms),
            items=services.project_missing_for_next_phase(project),
        )
        context["can_manage"] = self.can(ProjectPerm.MANAGE)
        context["transitions"] = project_transitions(project=project)
        context["partners"] = project_partners_overview(project=project)
        context["roles"] = project_roles(project=project, active_only=True)
        context["plans"] = plan_versions = list(project_plan_versions(project=project))
        context["documents"] = project_documents(project=project)
        context["voorstel"] = getattr(project, "projectvoorstel", None)
        context["dpia"] = getattr(project, "dpia", None)
        context["besluit"] = project.collegebesluiten.order_by("-date", "-id").first()
        context["plan_to_acknowledge"] = _plan_to_acknowledge(user, project, plan_versions)
        context["advance_form"] = AdvanceForm()
        context["data_phase_reached"] = phase_reached(project.phase, Phase.DATA_UITVRAAG)
        return context


def _plan_to_acknowledge(user, project, plans):
    """The newest adopted plan that the user's (non-municipal) organisation has not acknowledged."""
    if user.organisation_id == project.municipality_id:
        return None
    adopted = next((plan for plan in plans if plan.adopted_at), None)
    if adopted is None:
        return None
    if any(ack.organisation_id == user.organisation_id for ack in adopted.acknowledgements.all()):
        return None
    return adopted


class ProjectAdvanceView(ProjectScopedMixin, View):
    """POST: move to the next phase. A refused move shows its Dutch reason; nothing changes."""

    project_perm = ProjectPerm.MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AdvanceForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            project = services.project_advance(
                actor=person_of(request), project=self.project, note=note
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, ADVANCED.format(fase=Phase(project.phase).label))
        return redirect(self.project_url())


class ProjectFormView(ProjectScopedMixin, ApplicationErrorFormMixin, FormView):
    """A form on one project that only its projectleider may use."""

    project_perm = ProjectPerm.MANAGE
    template_name = "projects/project_form.html"
    heading = ""
    intro = ""
    submit_label = "Opslaan"
    success_message = SAVED

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "heading": self.heading,
            "intro": self.intro,
            "submit_label": self.submit_label,
        }

    def done(self, message: str | None = None):
        messages.success(self.request, message or self.success_message)
        return redirect(self.project_url())


class ProjectUpdateView(ProjectFormView):
    form_class = ProjectUpdateForm
    heading = "Project wijzigen"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.project}

    def perform(self, form):
        services.project_update(
            actor=person_of(self.request), project=self.project, data=form.service_data()
        )
        return self.done()


class CollegebesluitView(ProjectFormView):
    form_class = CollegebesluitForm
    heading = "Collegebesluit registreren"
    intro = (
        "Het besluit van het college van B&W moet capaciteit en middelen regelen én "
        "toestemming geven om gemeentelijke gegevens te verstrekken. "
        "Een nieuw besluit vervangt het vorige."
    )
    submit_label = "Collegebesluit registreren"

    def perform(self, form):
        services.collegebesluit_register(
            actor=person_of(self.request), project=self.project, **form.cleaned_data
        )
        return self.done(COLLEGEBESLUIT_SAVED)


class ProjectvoorstelView(ProjectFormView):
    form_class = ProjectvoorstelForm
    heading = "Projectvoorstel en instemming LSI"
    intro = (
        "Leg vast wanneer het voorstel bij de LSI is ingediend en, zodra gegeven, "
        "de instemming van de LSI."
    )

    def get_initial(self):
        voorstel = getattr(self.project, "projectvoorstel", None)
        if voorstel is None:
            return {}
        return {
            "submitted_on": voorstel.submitted_on,
            "lsi_instemming_date": voorstel.lsi_instemming_date,
            "lsi_instemming_reference": voorstel.lsi_instemming_reference,
        }

    def perform(self, form):
        data = form.cleaned_data
        services.projectvoorstel_save(
            actor=person_of(self.request),
            project=self.project,
            submitted_on=data["submitted_on"],
            document=data["document"] or None,
            lsi_instemming_date=data["lsi_instemming_date"],
            lsi_instemming_reference=data["lsi_instemming_reference"],
        )
        return self.done(VOORSTEL_SAVED)


class ProjectplanCreateView(ProjectFormView):
    form_class = ProjectplanForm
    heading = "Nieuwe versie van het projectplan"
    intro = (
        "Een versie wordt nooit overschreven: elke wijziging is een nieuwe versie, "
        "die u daarna vaststelt."
    )
    submit_label = "Versie opslaan"

    def get_initial(self):
        latest = self.project.plan_versions.order_by("-version").first()
        if latest is None:
            return {}
        return {
            name: getattr(latest, name)
            for name in ProjectplanForm.base_fields
            if name != "document"
        }

    def perform(self, form):
        data = dict(form.cleaned_data)
        document = data.pop("document") or None
        plan = services.projectplan_version_create(
            actor=person_of(self.request), project=self.project, document=document, **data
        )
        return self.done(PLAN_CREATED.format(versie=plan.version))


class ProjectplanDetailView(ProjectScopedMixin, TemplateView):
    template_name = "projects/projectplan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = project_plan_get(project=self.project, version=self.kwargs["version"])
        context["can_manage"] = self.can(ProjectPerm.MANAGE)
        context["plan_links"] = plan_links(
            project=self.project, version=context["plan"].version, perms=self.project_perms
        )
        return context


class ProjectplanAdoptView(ProjectScopedMixin, View):
    project_perm = ProjectPerm.MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = project_plan_get(project=self.project, version=kwargs["version"])
        try:
            services.projectplan_adopt(actor=person_of(request), plan=plan)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, PLAN_ADOPTED.format(versie=plan.version))
        return redirect(self.project_url())


class ProjectplanAcknowledgeView(ProjectScopedMixin, View):
    """POST: a partner organisation acknowledges an adopted plan version."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = project_plan_get(project=self.project, version=kwargs["version"])
        try:
            services.projectplan_acknowledge(actor=person_of(request), plan=plan)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, PLAN_ACKNOWLEDGED.format(versie=plan.version))
        return redirect(self.project_url())


class DpiaView(ProjectFormView):
    form_class = DpiaForm
    heading = "DPIA"
    intro = "Er mogen geen gegevens worden opgevraagd voordat de DPIA is vastgesteld."

    def get_initial(self):
        dpia = getattr(self.project, "dpia", None)
        if dpia is None:
            return {}
        return {"vastgesteld": dpia.vastgesteld, "date": dpia.date, "reference": dpia.reference}

    def perform(self, form):
        data = form.cleaned_data
        services.dpia_save(
            actor=person_of(self.request),
            project=self.project,
            vastgesteld=data["vastgesteld"],
            date=data["date"],
            reference=data["reference"],
            document=data["document"] or None,
        )
        return self.done(DPIA_SAVED)


class DocumentDownloadView(View):
    """Serve one project document to a project member, as an attachment (security R14).

    The stored name is server-generated and never shown; the download name is derived
    from the document kind and id.
    """

    http_method_names = ["get"]

    def get(self, request, slug: str, kind: str, pk: int):
        project, obj, document = project_document_get_for_user(
            user=request.user, slug=slug, kind=kind, pk=pk
        )
        try:
            handle = document.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        extension = os.path.splitext(document.name or "")[1] or ".pdf"
        filename = f"{project.slug}-{kind}-{pk}{extension}"
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type="application/pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
