"""Pages of transparency: the public project page (no login, security R1 allowlist) and the
projectleider's preview, where it is published or withdrawn. Thin views: selectors to read,
services to change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from projects.constants import ProjectPerm, phase_reached
from projects.views import ProjectScopedMixin
from wijkaanpak.core.access import public
from wijkaanpak.core.views import SERVICE_ERRORS, form_add_service_error

from . import selectors, services
from .constants import PUBLISH_FROM_PHASE
from .forms import PublishForm


class PublicPageView(TemplateView):
    """The published page of one project, for anyone (a resident without an account): 404
    while it is not published. Shows no personal data (transparency.selectors)."""

    template_name = "transparency/public.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = selectors.public_page_published_get(slug=kwargs["slug"])
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            **selectors.public_content(project=page.project),
        }


public_page = public(PublicPageView.as_view())


class PreviewView(ProjectScopedMixin, TemplateView):
    """The projectleider's preview of the public page, with the intro form and publish /
    withdraw."""

    project_perm = ProjectPerm.MANAGE
    template_name = "transparency/preview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = selectors.public_page_for(project=self.project)
        form = kwargs.pop("form", None) or PublishForm(
            initial={"intro": page.intro if page else ""}
        )
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "form": form,
            "can_publish": phase_reached(self.project.phase, PUBLISH_FROM_PHASE),
            **selectors.public_content(project=self.project),
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                services.public_page_publish(
                    actor=self.person, project=self.project, intro=form.cleaned_data["intro"]
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, "De projectpagina is openbaar.")
                return redirect(reverse("transparency:preview", kwargs={"slug": self.project.slug}))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class WithdrawView(ProjectScopedMixin, TemplateView):
    project_perm = ProjectPerm.MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.public_page_withdraw(actor=self.person, project=self.project)
        except SERVICE_ERRORS as error:
            messages.error(request, getattr(error, "message", str(error)))
        else:
            messages.success(request, "De projectpagina is niet meer openbaar.")
        return redirect(reverse("transparency:preview", kwargs={"slug": self.project.slug}))
