"""Partner, convenant and role pages of one project. Thin views over selectors and services.

The lists update in place with htmx (the section is re-rendered); without JavaScript the same
forms post normally and redirect back (post/redirect/get).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.views import SERVICE_ERRORS, ApplicationErrorFormMixin, form_add_service_error

from ..constants import ROLE_DESCRIPTIONS, ProjectPerm, Role
from ..forms import ConvenantForm, PartnerAddForm, PartnerRemoveForm, RoleEndForm, RoleGrantForm
from ..selectors import (
    organisations_not_in_project,
    people_for_project,
    project_partner_get,
    project_partner_organisations,
    project_partners_overview,
    project_role_get,
    project_roles,
)
from ..services import (
    project_convenant_register,
    project_partner_add,
    project_partner_remove,
    role_end,
    role_grant,
)
from .base import ProjectScopedMixin, is_htmx

PARTNER_ADDED = "{organisatie} neemt nu deel aan het project. Registreer ook het convenant."
PARTNER_REMOVED = (
    "{organisatie} neemt niet meer deel; de rollen van haar medewerkers zijn beëindigd."
)
CONVENANT_SAVED = "Het convenant van {organisatie} is geregistreerd."
ROLE_GRANTED = "{persoon} is nu {rol} in dit project."
ROLE_ENDED = "De rol {rol} van {persoon} is beëindigd."


class ManagedSectionView(ProjectScopedMixin, View):
    """A list with an add form that only the projectleider uses; htmx swaps the section."""

    project_perm = ProjectPerm.MANAGE
    template_name = ""
    partial_template_name = ""
    http_method_names = ["get", "post"]

    def section_url(self) -> str:
        raise NotImplementedError

    def build_form(self, data=None):
        raise NotImplementedError

    def section_context(self, form, notice: str = "") -> dict:
        # `project_perms`: the project menu (base.html) reads them, no query of its own.
        return {
            "project": self.project,
            "project_perms": self.project_perms,
            "form": form,
            "notice": notice,
        }

    def render_section(self, form, *, notice: str = "", status: int = 200):
        template = self.partial_template_name if is_htmx(self.request) else self.template_name
        return render(self.request, template, self.section_context(form, notice), status=status)

    def get(self, request, *args, **kwargs):
        return self.render_section(self.build_form())

    def post(self, request, *args, **kwargs):
        form = self.build_form(request.POST)
        if form.is_valid():
            try:
                notice = self.perform(form)
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                return self.after_change(notice)
        return self.render_section(form, status=200 if is_htmx(self.request) else 400)

    def after_change(self, notice: str):
        if is_htmx(self.request):
            return self.render_section(self.build_form(), notice=notice)
        messages.success(self.request, notice)
        return redirect(self.section_url())

    def perform(self, form) -> str:
        raise NotImplementedError


class ProjectPartnersView(ManagedSectionView):
    template_name = "projects/project_partners.html"
    partial_template_name = "projects/_partner_section.html"

    def section_url(self) -> str:
        return reverse("projects:project_partners", kwargs={"slug": self.project.slug})

    def build_form(self, data=None):
        return PartnerAddForm(
            data, organisations=organisations_not_in_project(project=self.project)
        )

    def section_context(self, form, notice: str = "") -> dict:
        return {
            **super().section_context(form, notice),
            "partners": project_partners_overview(project=self.project),
            "remove_form": PartnerRemoveForm(),
        }

    def perform(self, form) -> str:
        organisation = form.cleaned_data["organisation"]
        project_partner_add(actor=self.person, project=self.project, organisation=organisation)
        return PARTNER_ADDED.format(organisatie=organisation)


class PartnerRemoveView(ProjectPartnersView):
    """POST: an organisation leaves the project; its people's roles end at once (R5)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        partner = project_partner_get(project=self.project, pk=kwargs["pk"])
        form = PartnerRemoveForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            project_partner_remove(actor=self.person, partner=partner, reason=reason)
        except ApplicationError as error:
            if is_htmx(request):
                return self.render_section(self.build_form(), notice=error.message)
            messages.error(request, error.message)
            return redirect(self.section_url())
        return self.after_change(PARTNER_REMOVED.format(organisatie=partner.organisation))


class ConvenantCreateView(ProjectScopedMixin, ApplicationErrorFormMixin, FormView):
    project_perm = ProjectPerm.MANAGE
    template_name = "projects/convenant_form.html"
    form_class = ConvenantForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organisations"] = project_partner_organisations(project=self.project)
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        organisation = self.request.GET.get("organisatie", "")
        if organisation.isdigit():
            initial["organisation"] = int(organisation)
        return initial

    def perform(self, form):
        data = form.cleaned_data
        convenant = project_convenant_register(
            actor=self.person,
            project=self.project,
            organisation=data["organisation"],
            kind=data["kind"],
            reference=data["reference"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            document=data["document"],
        )
        messages.success(self.request, CONVENANT_SAVED.format(organisatie=convenant.organisation))
        return redirect("projects:project_partners", slug=self.project.slug)


class ProjectRolesView(ManagedSectionView):
    template_name = "projects/project_roles.html"
    partial_template_name = "projects/_role_section.html"

    def section_url(self) -> str:
        return reverse("projects:project_roles", kwargs={"slug": self.project.slug})

    def build_form(self, data=None):
        return RoleGrantForm(data, people=people_for_project(project=self.project))

    def section_context(self, form, notice: str = "") -> dict:
        return {
            **super().section_context(form, notice),
            "roles": project_roles(project=self.project),
            "end_form": RoleEndForm(),
            "role_descriptions": [
                (role.label, ROLE_DESCRIPTIONS[role]) for role in Role if role in ROLE_DESCRIPTIONS
            ],
        }

    def perform(self, form) -> str:
        person, role = form.cleaned_data["person"], Role(form.cleaned_data["role"])
        role_grant(actor=self.person, project=self.project, person=person, role=role)
        return ROLE_GRANTED.format(persoon=person, rol=role.label.lower())


class RoleEndView(ProjectRolesView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        project_role = project_role_get(project=self.project, pk=kwargs["pk"])
        form = RoleEndForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            role_end(actor=self.person, project_role=project_role, reason=reason)
        except ApplicationError as error:
            if is_htmx(request):
                return self.render_section(self.build_form(), notice=error.message)
            messages.error(request, error.message)
            return redirect(self.section_url())
        return self.after_change(
            ROLE_ENDED.format(
                rol=project_role.get_role_display().lower(), persoon=project_role.person
            )
        )
