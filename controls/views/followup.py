"""Pages of the follow-up (issue 12): the behandelaar's inbox and a referral's page with its
take-in, return and outcome forms; the projectleider's overview per partner and state; sending
a referral from a finding. Thin views: a selector to read, a service to change.

A referral is read only through controls.selectors.referrals (its organisation's behandelaars
and the projectleider; 404 for anyone else, R2); the page that shows its address writes the
processing log first (R21).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import TemplateView

from datasharing.selectors import objections_for_addresses
from partners.models import User
from projects.constants import ProjectPerm
from projects.selectors import project_list_for_user
from projects.views import ProjectScopedMixin
from projects.views.base import person_of
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.views import SERVICE_ERRORS, form_add_service_error

from ..constants import REFERRAL_OPEN_STATUSES, OwnerRevealStatus, ReferralStatus
from ..followup_forms import OutcomeForm, ReferralCreateForm, ReturnForm
from ..models import Finding, Referral
from ..selectors import owners as owner_selectors
from ..selectors import referrals as selectors
from ..services import owners as owner_services
from ..services import referrals as services

START_INBOX_SIZE = 10


def inbox_start_section(*, user: User, project_ids: Collection[int]) -> dict[str, Any]:
    """The behandelaar's start section (projects.navigation START_PAGES): the open referrals
    addressed to their organisation in the projects where they handle referrals."""
    referrals = selectors.referral_inbox_for_user(user=user).filter(
        project_id__in=list(project_ids), status__in=list(REFERRAL_OPEN_STATUSES)
    )
    shown = list(referrals[: START_INBOX_SIZE + 1])
    return {
        "referrals": shown[:START_INBOX_SIZE],
        "more": len(shown) > START_INBOX_SIZE,
    }


# Rows per page of a referral list: the counts above a list cover every referral, the table
# draws one page (a city's project has hundreds; drawing them all took a second per view).
REFERRAL_PAGE_SIZE = 50


def _page(
    request: HttpRequest,
    rows: Sequence[Referral] | QuerySet[Referral],
    param: str,
    *,
    count: int | None = None,
) -> Page:
    paginator = Paginator(rows, REFERRAL_PAGE_SIZE)
    if count is not None:  # counted already (one aggregate for several lists)
        paginator.__dict__["count"] = count
    return paginator.get_page(request.GET.get(param))


def _query_without(request: HttpRequest, param: str) -> str:
    query = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()


class InboxView(TemplateView):
    """Every referral addressed to the person's organisation, across their projects; 404 for
    who handles referrals nowhere."""

    template_name = "controls/followup/inbox.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        person = person_of(self.request)
        if not project_list_for_user(user=person, perm=ProjectPerm.HANDLE_REFERRALS).exists():
            raise Http404
        # One page of each list from the database; the counts in one aggregate query.
        referrals = selectors.referral_inbox_for_user(user=person)
        counts = selectors.referral_inbox_counts(referrals=referrals)
        is_open = Q(status__in=list(REFERRAL_OPEN_STATUSES))
        return {
            **super().get_context_data(**kwargs),
            "open_page": _page(
                self.request, referrals.filter(is_open), "pagina", count=counts["open"]
            ),
            "closed_page": _page(
                self.request, referrals.exclude(is_open), "afgehandeld", count=counts["closed"]
            ),
            "open_query": _query_without(self.request, "pagina"),
            "closed_query": _query_without(self.request, "afgehandeld"),
            "overdue": counts["overdue"],
        }


class FollowupView(ProjectScopedMixin):
    """A follow-up page of one project (ProjectScopedMixin: 404 without `project_perm`)."""

    template_name = ""

    def render_page(self, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        context = {"project": self.project, "project_perms": self.project_perms, **context}
        return render(self.request, self.template_name, context, status=status)


class ReferralListView(FollowupView):
    """The projectleider's overview: the project's referrals per partner and state."""

    project_perm = ProjectPerm.PLAN_CONTROLS
    template_name = "controls/followup/referral_list.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        # The counts per partner in one aggregate query; one page of the list from the database.
        referrals = selectors.referral_list_for_user(user=self.person, project=self.project)
        partners = selectors.referral_overview(referrals=referrals)
        status = request.GET.get("status", "")
        shown = referrals.order_by("organisation__name", "status", "due_on", "pk")
        if status:
            shown = shown.filter(status=status)
        counted = sum(row.counts.get(status, 0) if status else row.total for row in partners)
        return self.render_page(
            {
                "partners": partners,
                "statuses": ReferralStatus.choices,
                "page": _page(request, shown, "pagina", count=counted),
                "query": _query_without(request, "pagina"),
                "status": status if status in ReferralStatus.values else "",
                "open_count": sum(
                    row.counts[value] for row in partners for value in REFERRAL_OPEN_STATUSES
                ),
                "overdue_count": sum(row.overdue for row in partners),
            }
        )


class ReferralDetailView(FollowupView):
    """One referral with its address (logged first, R21), its finding(s), its history and,
    for a behandelaar of the addressed organisation, the next step's form."""

    template_name = "controls/followup/referral_detail.html"
    referral: Referral

    def project_loaded(self, **kwargs: Any) -> None:
        self.referral = selectors.referral_get_for_user(
            user=self.request.user, project=self.project, pk=kwargs["pk"]
        )

    def page(self, *, forms: dict[str, Form] | None = None, status: int = 200) -> HttpResponse:
        referral = self.referral
        may_handle = selectors.referral_may_handle(user=self.person, referral=referral)
        addresses = selectors.referral_addresses_for_user(
            user=self.person, referral=referral, purpose="doorverwijzing inzien"
        )
        forms = forms or {}
        visits = list(selectors.referral_visits(referral))
        objections = objections_for_addresses(self.project, [visit.address_key for visit in visits])
        return self.render_page(
            {
                "referral": referral,
                "outcome": selectors.referral_outcome_of(referral),
                "visits": [
                    {
                        "visit": visit,
                        "address": addresses.get(visit.pk),
                        "objections": objections.get(visit.address_key, []),
                    }
                    for visit in visits
                ],
                "findings": ([referral.finding] if referral.finding else [])
                + list(referral.bundled_findings.all()),
                "may_handle": may_handle,
                "is_leader": self.can(ProjectPerm.PLAN_CONTROLS),
                "can_receive": may_handle and referral.status == ReferralStatus.VERZONDEN,
                "can_start": may_handle and referral.status == ReferralStatus.ONTVANGEN,
                "can_return": may_handle and referral.status in REFERRAL_OPEN_STATUSES,
                "can_complete": may_handle and referral.status == ReferralStatus.IN_BEHANDELING,
                "return_form": forms.get("return") or ReturnForm(auto_id="terug_%s"),
                "outcome_form": forms.get("outcome") or OutcomeForm(auto_id="uitkomst_%s"),
                "back_url": (
                    reverse("controls:referrals", kwargs={"slug": self.project.slug})
                    if self.can(ProjectPerm.PLAN_CONTROLS)
                    else reverse("controls:inbox")
                ),
            },
            status=status,
        )

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        return self.page()


class ReferralActionView(ReferralDetailView):
    """A behandelaar's step on a referral (POST only): 404 without HANDLE_REFERRALS."""

    project_perm = ProjectPerm.HANDLE_REFERRALS
    http_method_names = ["post"]
    done = ""

    def back(self) -> HttpResponse:
        return redirect(
            reverse("controls:referral", kwargs={"slug": self.project.slug, "pk": self.referral.pk})
        )

    def act(self) -> HttpResponse:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        return self.act()

    def simple(self, service: Any) -> HttpResponse:
        try:
            service(actor=self.person, referral=self.referral, expected_version=self._version())
        except SERVICE_ERRORS as error:
            messages.error(self.request, getattr(error, "message", None) or str(error))
        else:
            messages.success(self.request, self.done)
        return self.back()

    def _version(self) -> int | None:
        value = self.request.POST.get("version", "")
        return int(value) if value.isdigit() else None


class ReferralReceiveView(ReferralActionView):
    done = "De doorverwijzing is ontvangen."

    def act(self) -> HttpResponse:
        return self.simple(services.referral_receive)


class ReferralStartView(ReferralActionView):
    done = "De doorverwijzing is in behandeling genomen."

    def act(self) -> HttpResponse:
        return self.simple(services.referral_start)


class ReferralReturnView(ReferralActionView):
    def act(self) -> HttpResponse:
        form = ReturnForm(self.request.POST, auto_id="terug_%s")
        if form.is_valid():
            try:
                services.referral_return(
                    actor=self.person,
                    referral=self.referral,
                    reason=form.cleaned_data["reason"],
                    expected_version=self._version(),
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(self.request, "De doorverwijzing is teruggelegd.")
                return self.back()
        return self.page(forms={"return": form}, status=400)


class ReferralCompleteView(ReferralActionView):
    def act(self) -> HttpResponse:
        form = OutcomeForm(self.request.POST, auto_id="uitkomst_%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.referral_complete(
                    actor=self.person,
                    referral=self.referral,
                    outcome=data["outcome"],
                    amount=data["amount"],
                    brp_correction=data["brp_correction"],
                    reason=data["reason"],
                    expected_version=self._version(),
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    self.request, "De uitkomst is vastgelegd; de doorverwijzing is afgehandeld."
                )
                return self.back()
        return self.page(forms={"outcome": form}, status=400)


class FindingReferView(FollowupView):
    """Send a referral from a finding, with the partners its category suggests; the
    projectleider also sees what came of the finding so far."""

    template_name = "controls/followup/finding_refer.html"
    finding: Finding

    def project_loaded(self, **kwargs: Any) -> None:
        self.finding = selectors.finding_get_for_sender(
            user=self.request.user, project=self.project, pk=kwargs["pk"]
        )

    def page(self, form: ReferralCreateForm | None = None, *, status: int = 200) -> HttpResponse:
        finding = self.finding
        targets = list(selectors.referral_targets(project=self.project))
        suggestions = selectors.referral_suggestions(category=finding.category, targets=targets)
        if form is None:
            initial: dict[str, Any] = {
                "kind": finding.category.referral_kind,
                "unit": finding.category.target_unit,
            }
            if suggestions:
                initial["organisation"] = suggestions[0].pk
            form = ReferralCreateForm(targets=targets, initial=initial)
        processing_log_write(
            actor=self.person,
            action="view",
            name="bevinding inzien om door te verwijzen",
            ground="control",
            project=self.project,
            obj=finding,
            data_subject_ids=[finding.visit.address_key],
            data_subject_id_type="adrespseudoniem",
        )
        followup = selectors.referrals_by_finding_for_user(user=self.person, findings=[finding])
        return self.render_page(
            {
                "finding": finding,
                "form": form,
                "suggestions": suggestions,
                "referrals": followup.get(finding.pk, []),
                "is_leader": self.can(ProjectPerm.PLAN_CONTROLS),
            },
            status=status,
        )

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        return self.page()

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        targets = list(selectors.referral_targets(project=self.project))
        form = ReferralCreateForm(request.POST, targets=targets)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.referral_create(
                    actor=self.person,
                    finding=self.finding,
                    kind=data["kind"],
                    organisation=data["organisation"],
                    unit=data["unit"],
                    note=data["note"],
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"De bevinding is doorverwezen naar {referral.organisation.name} "
                    f"(termijn tot {referral.due_on:%d-%m-%Y}).",
                )
                return redirect(request.path)
        return self.page(form, status=400)


# --- the owner view (issue 12.4) -----------------------------------------------------------


class OwnerListView(FollowupView):
    """Owners (by pseudonym) of two or more addresses with findings; re-identification under
    four eyes (request, the projectleider's decision, the id shown logged); a RIEC signal."""

    project_perm = ProjectPerm.VIEW_PSEUDONYMISED
    template_name = "controls/followup/owners.html"

    def page(self, *, errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
        rows = owner_selectors.owners_with_findings(project=self.project)
        processing_log_write(
            actor=self.person,
            action="view",
            name="eigenarenoverzicht inzien",
            ground="control",
            project=self.project,
            data_subject_ids=[row.owner_key for row in rows],
            data_subject_id_type="eigenaarpseudoniem",
        )
        shown: dict[str, str] = {}
        for row in rows:
            reveal = row.reveal
            if (
                reveal is not None
                and reveal.status == OwnerRevealStatus.GOEDGEKEURD
                and owner_services.owner_reveal_may_show(actor=self.person, request=reveal)
            ):
                try:
                    shown[row.owner_key] = owner_services.owner_reveal_show(
                        actor=self.person, request=reveal
                    )
                except SERVICE_ERRORS as error:
                    shown[row.owner_key] = getattr(error, "message", str(error))
        return self.render_page(
            {
                "rows": [{"owner": row, "revealed": shown.get(row.owner_key)} for row in rows],
                "can_request": True,
                "can_decide": self.can(ProjectPerm.APPROVE_SELECTION),
                "can_signal": self.can(ProjectPerm.PLAN_CONTROLS),
                "errors": errors or {},
            },
            status=status,
        )

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self.page()


class OwnerActionView(OwnerListView):
    http_method_names = ["post"]

    def done(self, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return redirect(reverse("controls:owners", kwargs={"slug": self.project.slug}))

    def failed(self, key: str, error: Exception) -> HttpResponse:
        return self.page(errors={key: getattr(error, "message", str(error))}, status=400)


class OwnerRevealRequestView(OwnerActionView):
    def post(self, request: HttpRequest, slug: str, owner: str) -> HttpResponse:
        try:
            owner_services.owner_reveal_request(
                actor=self.person,
                project=self.project,
                owner_key=owner,
                reason=request.POST.get("reason", ""),
            )
        except SERVICE_ERRORS as error:
            return self.failed(owner, error)
        return self.done("Het verzoek om herleiding is vastgelegd; de projectleider beslist.")


class OwnerRevealDecideView(OwnerActionView):
    project_perm = ProjectPerm.APPROVE_SELECTION

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        reveal = owner_selectors.owner_reveal_get(project=self.project, pk=pk)
        try:
            owner_services.owner_reveal_decide(
                actor=self.person,
                request=reveal,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("decision_reason", ""),
            )
        except SERVICE_ERRORS as error:
            return self.failed(reveal.owner_key, error)
        return self.done("Het besluit over het verzoek is vastgelegd.")


class OwnerSignalView(OwnerActionView):
    project_perm = ProjectPerm.PLAN_CONTROLS

    def post(self, request: HttpRequest, slug: str, owner: str) -> HttpResponse:
        try:
            referral = owner_services.owner_signal_riec(
                actor=self.person,
                project=self.project,
                owner_key=owner,
                note=request.POST.get("note", ""),
            )
        except SERVICE_ERRORS as error:
            return self.failed(owner, error)
        return self.done(
            f"Het signaal is verstuurd aan {referral.organisation.name} "
            f"(doorverwijzing {referral.pk}, {referral.bundled_findings.count()} bevindingen)."
        )
