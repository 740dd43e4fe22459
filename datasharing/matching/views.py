"""Pages of matching and selection. Thin views: a selector to read, a service to change.

Every view first resolves the project and the person's permissions on it (ProjectScopedMixin, with
`project_perm`), so a person without that permission gets 404 (never 403, R2); objects are then
read only within the project.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone

from datasharing.selectors import objections_for_addresses
from projects.constants import ProjectPerm
from projects.views import ProjectScopedMixin
from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.processing_log import processing_log_write
from wijkaanpak.core.views import SERVICE_ERRORS, form_add_service_error

from . import selectors, services
from .constants import NEVER_USED, ProposalStatus
from .forms import (
    ConfirmForm,
    DecideForm,
    IndicatorSettingsForm,
    ProposeForm,
    ReidentifyForm,
    RiskFilterForm,
)
from .indicators.registry import ALL_CODES, INDICATORS
from .panels import METHOD_PANELS

RISK_PAGE_SIZE = 50
RUN_PAGE_SIZE = 20
# Decided proposals per page: a city's selection has hundreds, each logged when shown (R21).
DECIDED_PAGE_SIZE = 50
SOURCE_LABELS = {
    "bag": "BAG (adressen, gebruiksdoel en oppervlakte; gemeente)",
    "brp": (
        "BRP (inschrijvingen op het adres met geboortedatum en datum van inschrijving; gemeente)"
    ),
    "uitkering": "uitkeringen met leefvorm (UWV, SVB, gemeente)",
    "toeslag": "toeslagen met toeslagpartner (Belastingdienst)",
    "huur": "huurders van het adres (woningcorporatie)",
    "kvk": "inschrijvingen in het Handelsregister (KvK)",
    "energie": "jaarlijks elektriciteitsverbruik (netbeheerder, via de gemeente)",
    "signaal": "eigen signalen van partners (verwonderadressen)",
}


PROPOSED = (
    "Adres {pseudoniem} is voorgedragen door u op {tijd}. Een tweede persoon, de "
    "projectleider, beslist erover."
)
APPROVED = (
    "Voorstel goedgekeurd: adres {pseudoniem}, voorgedragen door {voordrager}. Uw reden: {reden}"
)
REJECTED = (
    "Voorstel afgewezen: adres {pseudoniem}, voorgedragen door {voordrager}. Uw reden: {reden}"
)
SELECTION_CLOSED = "De selectie is gesloten: {aantal} goedgekeurde adressen."
# Who re-identified an address may see it again on its page for one shift (the absolute session
# lifetime, R11), each time logged; nobody else, and later only with a new reason.
REIDENTIFICATION_SHOWN_FOR = timedelta(hours=12)
# The session's re-identifications that are confirmed but not yet shown (see ReidentificationView).
SESSION_REIDENTIFIED_UNSHOWN = "matching_reidentified_unshown"


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _log_shown(request, project, name: str, address_keys) -> None:
    """One LDV record per pseudonymised address a page shows (R21), before it is rendered."""
    processing_log_write(
        actor=request.user,
        action="view",
        name=name,
        ground="risk_selection",
        project=project,
        data_subject_ids=address_keys,
        data_subject_id_type="adrespseudoniem",
    )


class ProjectView(ProjectScopedMixin):
    """A page of matching: the project and the person's permissions on it are resolved once
    (ProjectScopedMixin, 404 without `project_perm`)."""

    project_perm = ProjectPerm.VIEW_PSEUDONYMISED

    template_name = ""

    def render_page(self, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        """A full page of this app: `context`, the project and the person's permissions on it
        (base.html draws the project's menu from them without another query: projects.navigation
        offers only the pages the person may open)."""
        context = {"project": self.project, "project_perms": self.project_perms, **context}
        return render(self.request, self.template_name, context, status=status)

    def back(self, name: str, **kwargs):
        return redirect(reverse(f"matching:{name}", kwargs={"slug": self.project.slug, **kwargs}))


# --- runs -----------------------------------------------------------------------------------------


class RunListView(ProjectView):
    template_name = "matching/run_list.html"

    def get(self, request, slug):
        page = Paginator(selectors.run_list(project=self.project), RUN_PAGE_SIZE).get_page(
            request.GET.get("pagina")
        )
        active = selectors.active_run(project=self.project)
        return self.render_page(
            {
                "page": page,
                "active": active,
                "chunks": selectors.run_chunks(run=active) if active else None,
                "can_run": self.can(ProjectPerm.RUN_MATCHING),
            },
        )

    def post(self, request, slug):
        try:
            run = services.matching_run_start(actor=self.person, project=self.project)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            # The job is queued on commit: a broker that is down has failed the run already.
            run.refresh_from_db(fields=["status", "error"])
            if run.status == "failed":
                messages.error(request, run.error)
            else:
                messages.success(request, "De matchingrun is gestart.")
        return self.back("runs")


class RunStatusView(ProjectView):
    """The progress fragment that htmx polls while a run is active."""

    def get(self, request, slug, pk):
        run = selectors.run_get(project=self.project, pk=pk)
        return render(
            request,
            "matching/_run_status.html",
            {
                "project": self.project,
                "run": run,
                "chunks": selectors.run_chunks(run=run),
                "can_run": self.can(ProjectPerm.RUN_MATCHING),
            },
        )


class RunCancelView(ProjectView):
    project_perm = ProjectPerm.RUN_MATCHING

    def post(self, request, slug, pk):
        run = selectors.run_get(project=self.project, pk=pk)
        try:
            services.matching_run_cancel(actor=self.person, run=run)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "De matchingrun is geannuleerd.")
        return self.back("runs")


# --- risk list ------------------------------------------------------------------------------------


def _indicator_rows(address, run) -> list[dict]:
    """Per indicator of the run: fired (with its explanation), not evaluated, or not fired."""
    rows = []
    for code in run.settings_snapshot.get("enabled", []):
        result = address.results.get(code)
        if code in run.not_evaluated:
            rows.append(
                {
                    "code": code,
                    "name": INDICATORS[code].name,
                    "status": "not_evaluated",
                    "explanation": "Niet geëvalueerd: een benodigde bron is niet aangeleverd.",
                }
            )
        elif result:
            rows.append({"code": code, "name": INDICATORS[code].name, **result})
    return rows


class RiskListView(ProjectView):
    template_name = "matching/risk_list.html"

    def get(self, request, slug):
        run = selectors.current_run(project=self.project)
        context: dict[str, Any] = {"project": self.project, "run": run}
        if run is not None:
            form = RiskFilterForm(
                request.GET or None, buurten=selectors.risk_address_buurten(run=run)
            )
            filters = form.filters()
            only_risk = filters.get("min_score") is None
            qs = selectors.risk_address_list(run=run, only_risk=only_risk, **filters)
            page = Paginator(qs, RISK_PAGE_SIZE).get_page(request.GET.get("pagina"))
            addresses = list(page.object_list)
            _log_shown(
                request, self.project, "risicolijst inzien", [a.address_key for a in addresses]
            )
            proposals = selectors.proposals_by_address(
                project=self.project, address_keys=[a.address_key for a in addresses]
            )
            objections = objections_for_addresses(self.project, [a.address_key for a in addresses])
            query = request.GET.copy()
            query.pop("pagina", None)
            context.update(
                {
                    "form": form,
                    "page": page,
                    "rows": [
                        {
                            "address": a,
                            "indicators": _indicator_rows(a, run),
                            "proposals": proposals.get(a.address_key),
                            "objections": objections.get(a.address_key, []),
                        }
                        for a in addresses
                    ],
                    "query": query.urlencode(),
                    "not_evaluated": [INDICATORS[c].name for c in run.not_evaluated],
                    "can_propose": self.can(ProjectPerm.PROPOSE_SELECTION),
                    "newer_deliveries": selectors.deliveries_newer_than_run(
                        project=self.project, run=run
                    ),
                    "can_run": self.can(ProjectPerm.RUN_MATCHING),
                }
            )
        return self.render_page(context)


class RiskAddressView(ProjectView):
    """One address of the current run, its proposals (the four-eyes record: who proposed, who
    decided, and why) and the proposal form (analists); an address rejected before asks what
    changed since."""

    template_name = "matching/risk_address.html"

    def _context(self, pk, data=None):
        run = selectors.current_run(project=self.project)
        if run is None:
            raise Http404
        address = selectors.risk_address_get(run=run, pk=pk)
        proposals = selectors.proposals_by_address(
            project=self.project, address_keys=[address.address_key]
        ).get(address.address_key, selectors.AddressProposals())
        return {
            "project": self.project,
            "run": run,
            "address": address,
            "indicators": _indicator_rows(address, run),
            "proposal": proposals.current,
            "rejected": proposals.rejected,
            "form": ProposeForm(data, rejected_before=bool(proposals.rejected)),
            "can_propose": self.can(ProjectPerm.PROPOSE_SELECTION),
        }

    def get(self, request, slug, pk):
        context = self._context(pk)
        _log_shown(request, self.project, "risicoadres inzien", [context["address"].address_key])
        return self.render_page(context)

    def post(self, request, slug, pk):
        context = self._context(pk, request.POST)
        form = context["form"]
        if form.is_valid():
            try:
                proposal = services.selection_propose(
                    actor=self.person,
                    risk_address=context["address"],
                    reason=form.cleaned_data["reason"],
                    what_changed=form.cleaned_data.get("what_changed", ""),
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request,
                    PROPOSED.format(
                        pseudoniem=proposal.pseudonym, tijd=_when(proposal.proposed_at)
                    ),
                )
                return self.back("risks")
        return self.render_page(context, status=400)


# --- proposals and decisions --------------------------------------------------------------------


class ProposalListView(ProjectView):
    template_name = "matching/proposal_list.html"

    def get(self, request, slug):
        context = self._context()
        shown = [p.address_key for p in context["open"] + context["decided"]]
        _log_shown(request, self.project, "voordrachten inzien", shown)
        return self.render_page(context)

    def _context(self, **extra):
        """Every open proposal (they wait for a decision) and one page of the decided ones."""
        proposals = selectors.proposal_list(project=self.project)
        page = Paginator(
            proposals.exclude(status=ProposalStatus.PROPOSED), DECIDED_PAGE_SIZE
        ).get_page(self.request.GET.get("pagina"))
        return {
            "project": self.project,
            "open": list(proposals.filter(status=ProposalStatus.PROPOSED)),
            "decided": list(page.object_list),
            "page": page,
            "can_decide": self.can(ProjectPerm.APPROVE_SELECTION),
            "closed_at": selectors.selection_closed_at(self.project),
            **extra,
        }


class ProposalDecideView(ProjectView):
    def post(self, request, slug, pk):
        proposal = selectors.proposal_get(project=self.project, pk=pk)
        form = DecideForm(request.POST)
        if form.is_valid():
            try:
                decided = services.selection_decide(
                    actor=self.person,
                    proposal=proposal,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["decision_reason"],
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                message = APPROVED if decided.status == ProposalStatus.APPROVED else REJECTED
                messages.success(
                    request,
                    message.format(
                        pseudoniem=decided.pseudonym,
                        voordrager=decided.proposed_by,
                        reden=decided.decision_reason,
                    ),
                )
                return self.back("proposals")
        view = ProposalListView()
        view.request, view.project, view.project_perms = request, self.project, self.project_perms
        return view.render_page(view._context(error_form=form, error_pk=proposal.pk), status=400)


# --- the approved selection and re-identification -------------------------------------------------


class SelectionView(ProjectView):
    project_perm = ProjectPerm.VIEW_ADDRESSES
    template_name = "matching/selection.html"

    def get(self, request, slug):
        approved = list(
            selectors.proposal_list(project=self.project, status=ProposalStatus.APPROVED)
        )
        _log_shown(
            request, self.project, "goedgekeurde selectie inzien", [p.address_key for p in approved]
        )
        return self.render_page(
            {
                "approved": approved,
                "closed_at": selectors.selection_closed_at(self.project),
                "can_close": self.can(ProjectPerm.APPROVE_SELECTION),
                "can_see_record": self.can(ProposalRecordView.project_perm),
            },
        )


class ReidentifyView(ProjectView):
    """The reason for showing an approved address. POST/redirect/GET: a confirmed
    re-identification (one Reidentification, one processing-log record) redirects to its
    own page (`ReidentificationView`), so a reload never posts it again."""

    project_perm = ProjectPerm.VIEW_ADDRESSES
    template_name = "matching/reidentify.html"

    def get(self, request, slug, pk):
        proposal = selectors.approved_proposal_get(project=self.project, pk=pk)
        # The form names the approved address's pseudonym (R21); the address itself only after
        # the POST, logged there.
        _log_shown(request, self.project, "herleiding voorbereiden", [proposal.address_key])
        return self.render_page(self._context(proposal, ReidentifyForm()))

    def _context(self, proposal, form) -> dict[str, Any]:
        return {
            "proposal": proposal,
            "form": form,
            "recent": selectors.reidentifications_recent(
                proposal=proposal,
                user_id=self.person.pk,
                since=timezone.now() - REIDENTIFICATION_SHOWN_FOR,
            ),
        }

    def post(self, request, slug, pk):
        proposal = selectors.approved_proposal_get(project=self.project, pk=pk)
        form = ReidentifyForm(request.POST)
        if form.is_valid():
            try:
                reidentification, _address = services.reidentification_create(
                    actor=self.person, proposal=proposal, reason=form.cleaned_data["reason"]
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                session = request.session
                session[SESSION_REIDENTIFIED_UNSHOWN] = [
                    *session.get(SESSION_REIDENTIFIED_UNSHOWN, []),
                    reidentification.pk,
                ]
                return self.back("reidentification", pk=reidentification.pk)
        return self.render_page(self._context(proposal, form), status=400)


class ReidentificationView(ProjectView):
    """The address of one re-identification, whole and large, with the reason that was logged.

    Only for who re-identified it, for one shift (404 otherwise: a new reason is needed).
    The first showing after the POST is the one its processing-log record ("reidentify")
    covers; every later showing (a reload) writes one record of its own, action "read", and
    never a second Reidentification (R21)."""

    project_perm = ProjectPerm.VIEW_ADDRESSES
    template_name = "matching/reidentification.html"

    def get(self, request, slug, pk):
        session = request.session
        reidentification = selectors.reidentification_get(
            project=self.project,
            user_id=self.person.pk,
            pk=pk,
            since=timezone.now() - REIDENTIFICATION_SHOWN_FOR,
        )
        unshown = session.get(SESSION_REIDENTIFIED_UNSHOWN, [])
        try:
            if pk in unshown:
                session[SESSION_REIDENTIFIED_UNSHOWN] = [i for i in unshown if i != pk]
                address = services.address_from_vault(reidentification)
            else:
                address = services.reidentified_address(
                    actor=self.person, reidentification=reidentification
                )
        except ApplicationError as error:
            messages.error(request, error.message)
            return self.back("selection")
        return self.render_page(
            {
                "proposal": reidentification.proposal,
                "reidentification": reidentification,
                "address": address,
            }
        )


class SelectionCloseView(ProjectView):
    """'Selectie sluiten' asks first, on a page of its own, what closing means; only the
    confirmation there (POST with `confirm`) closes."""

    project_perm = ProjectPerm.APPROVE_SELECTION
    template_name = "matching/selection_close.html"

    def get(self, request, slug):
        return self.render_page(
            {
                "closed_at": selectors.selection_closed_at(self.project),
                "counts": selectors.proposal_counts(project=self.project),
            }
        )

    def post(self, request, slug):
        if not ConfirmForm(request.POST).is_valid():
            return self.back("selection-close")
        try:
            closure = services.selection_close(actor=self.person, project=self.project)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, SELECTION_CLOSED.format(aantal=closure.approved_count))
        return self.back("selection")


class ProposalRecordView(ProjectView):
    """'Waarom dit adres?': the selection record of one approved address (issue 11 item 7),
    for the projectleider, fit to print — the run with its settings, deliveries (hashes) and
    software version, the indicators that fired with their figures, who proposed and who
    decided and why, and every re-identification. Controls links a visit here
    (`matching:proposal-record`, slug and the SelectionProposal's pk)."""

    project_perm = ProjectPerm.APPROVE_SELECTION
    template_name = "matching/proposal_record.html"

    def get(self, request, slug, pk):
        record = selectors.proposal_record_get(project=self.project, pk=pk)
        proposal = record.proposal
        _log_shown(request, self.project, "selectieverantwoording inzien", [proposal.address_key])
        run = proposal.run
        return self.render_page(
            {
                "record": record,
                "proposal": proposal,
                "run": run,
                "fired": [
                    {
                        "code": result.indicator,
                        "name": _indicator_name(result.indicator),
                        "status": result.get_status_display(),
                        "figures": sorted(result.figures.items()),
                        "explanation": result.explanation,
                        "weight": run.settings_snapshot.get("weights", {}).get(result.indicator),
                    }
                    for result in record.results
                ],
                "not_evaluated": [_indicator_name(code) for code in run.not_evaluated],
                "thresholds": [
                    (label, run.settings_snapshot.get(name))
                    for name, label in RECORD_SETTINGS
                    if name in run.settings_snapshot
                ],
                "enabled": [
                    _indicator_name(code) for code in run.settings_snapshot.get("enabled", [])
                ],
                "weights": [
                    (_indicator_name(code), weight)
                    for code, weight in sorted(run.settings_snapshot.get("weights", {}).items())
                ],
            }
        )


def _indicator_name(code: str) -> str:
    """An indicator's name; the code itself for one this version no longer knows (a record
    of an old run must still show)."""
    indicator = next((INDICATORS[c] for c in ALL_CODES if c.value == code), None)
    return indicator.name if indicator else code


# The thresholds of a run's settings snapshot, as the record page names them.
RECORD_SETTINGS = (
    ("peildatum", "Peildatum"),
    ("risk_threshold", "Risicoadres vanaf score"),
    ("overbewoning_m2_per_person", "Overbewoning: minder dan … m² per persoon"),
    ("leeg_min_kwh", "Onbewoond met verbruik: minstens … kWh per jaar"),
    ("alleenstaand_min_other_adults", "Alleenstaand met medebewoner: minstens … volwassenen"),
    ("bedrijven_min_kvk", "Bedrijven op woonadres: minstens … KvK-nummers"),
    ("verhuis_min_inschrijvingen", "Verhuisdynamiek: minstens … inschrijvingen"),
    ("verhuis_window_days", "Verhuisdynamiek: in de laatste … dagen"),
    ("samenloop_min_partners", "Samenloop: signalen van minstens … partners"),
)


# --- the public method page and the settings ------------------------------------------------------


class MethodView(ProjectView):
    """'Selectiemethode': the method in plain Dutch, fit for the algoritmeregister."""

    project_perm = ProjectPerm.VIEW
    template_name = "matching/method.html"

    def get(self, request, slug):
        engine_settings = services.indicator_settings_for(project=self.project)
        indicators = [
            {
                "code": code.value,
                "name": INDICATORS[code].name,
                "description": INDICATORS[code].describe(engine_settings),
                "sources": [SOURCE_LABELS[s.value] for s in INDICATORS[code].sources],
                "weight": engine_settings.weight(code),
                "enabled": code.value in engine_settings.enabled,
            }
            for code in ALL_CODES
        ]
        return self.render_page(
            {
                "settings": engine_settings,
                "indicators": indicators,
                "never_used": NEVER_USED,
                "current_run": selectors.current_run(project=self.project),
                "can_manage": self.can(ProjectPerm.MANAGE),
                "panels": METHOD_PANELS.entries(),
            },
        )


class SettingsView(ProjectView):
    project_perm = ProjectPerm.MANAGE
    template_name = "matching/settings.html"

    def _initial(self) -> dict:
        current = services.indicator_settings_for(project=self.project)
        initial = {name: getattr(current, name) for name in services.SETTING_FIELDS}
        for code in ALL_CODES:
            initial[f"weight_{code.value}"] = current.weight(code)
            initial[f"enabled_{code.value}"] = code.value in current.enabled
        return initial

    def get(self, request, slug):
        return self.render_page({"form": IndicatorSettingsForm(initial=self._initial())})

    def post(self, request, slug):
        form = IndicatorSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.indicator_settings_update(
                    actor=self.person,
                    project=self.project,
                    values={name: data[name] for name in services.SETTING_FIELDS},
                    weights={c.value: data[f"weight_{c.value}"] for c in ALL_CODES},
                    enabled=[c.value for c in ALL_CODES if data[f"enabled_{c.value}"]],
                )
            except SERVICE_ERRORS as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request,
                    "De indicatorinstellingen zijn opgeslagen; ze gelden voor de volgende run.",
                )
                return self.back("method")
        return self.render_page({"form": form}, status=400)
