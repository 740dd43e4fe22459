"""REST API v1 of controls (issue 14): evenings, visits, findings and referrals, through the
pages' own selectors (controls.selectors.evenings, .referrals; project-wide pulls composed of
them in .pulls) and the follow-up services.

Lists are incremental pulls: ordered by (updated_at, id) in keyset pages, filtered with
`updated_since` (django-filter). The one write is the outcome of a referral addressed to the
client's organisation (scope read+referral-outcome), recorded by the follow-up services.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import path

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from projects.api import ProjectScopedApiMixin
from projects.constants import ProjectPerm
from wijkaanpak.core.api import api_call_log

from ..constants import (
    BrpCorrection,
    EveningStatus,
    OutcomeKind,
    ReferralKind,
    ReferralStatus,
    VisitResult,
)
from ..models import Controleavond, Finding, Referral, ReferralOutcome, Visit
from ..selectors.evenings import (
    evening_list_for_user,
    finding_list_for_user,
    visit_addresses_for_user,
    visit_get_for_user,
)
from ..selectors.pulls import finding_pull_for_user, visit_pull_for_user
from ..selectors.referrals import (
    referral_addresses_for_user,
    referral_get_for_user,
    referral_list_for_user,
    referral_visits,
)
from ..services.referrals import referral_complete, referral_receive, referral_start

ADDRESS_TYPE = "adrespseudoniem"


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """`updated_since`: only rows changed after that moment (use the previous `sync_until`)."""

    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label="Alleen wat na dit moment veranderde (ISO 8601, de vorige sync_until)",
    )


class ReferralFilterSet(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ReferralKind.choices)

    class Meta:
        model = Referral
        fields = ["updated_since", "status", "kind"]


class EveningFilterSet(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=EveningStatus.choices)

    class Meta:
        model = Controleavond
        fields = ["updated_since", "status"]


class VisitFilterSet(UpdatedSinceFilterSet):
    evening = django_filters.NumberFilter(field_name="evening_id", min_value=1)
    result = django_filters.ChoiceFilter(choices=VisitResult.choices)

    class Meta:
        model = Visit
        fields = ["updated_since", "evening", "result"]


class FindingFilterSet(UpdatedSinceFilterSet):
    visit = django_filters.NumberFilter(field_name="visit_id", min_value=1)
    evening = django_filters.NumberFilter(field_name="visit__evening_id", min_value=1)

    class Meta:
        model = Finding
        fields = ["updated_since", "visit", "evening"]


# --- serializers: every field listed, all read-only (R4) ---


class EveningSerializer(serializers.ModelSerializer[Controleavond]):
    class Meta:
        model = Controleavond
        fields = ["id", "name", "starts_at", "ends_at", "meeting_point", "status", "updated_at"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer[Visit]):
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    result = serializers.CharField(
        read_only=True, help_text="Het resultaat, of leeg zolang er geen is."
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "evening",
            "team",
            "pseudonym",
            "buurtcode",
            "route_position",
            "result",
            "residents_found",
            "visited_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer[Finding]):
    category = serializers.CharField(source="category.code", read_only=True)
    category_label = serializers.CharField(source="category.label", read_only=True)
    evening = serializers.IntegerField(source="visit.evening_id", read_only=True)
    visit_pseudonym = serializers.CharField(source="visit.pseudonym", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "visit",
            "evening",
            "visit_pseudonym",
            "category",
            "category_label",
            "description",
            "recorded_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class VisitFindingSerializer(serializers.ModelSerializer[Finding]):
    category = serializers.CharField(source="category.code", read_only=True)
    category_label = serializers.CharField(source="category.label", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "category", "category_label", "description", "recorded_at", "updated_at"]
        read_only_fields = fields


class OutcomeSerializer(serializers.ModelSerializer[ReferralOutcome]):
    # Choice fields that may be blank, as plain strings ("" when not applicable).
    brp_correction = serializers.CharField(
        read_only=True, help_text="Welke BRP-correctie, of leeg."
    )

    class Meta:
        model = ReferralOutcome
        fields = ["kind", "amount", "brp_correction", "reason", "recorded_at"]
        read_only_fields = fields


class ReferralFindingSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    category_label = serializers.CharField(source="category.label", read_only=True)
    description = serializers.CharField(read_only=True)
    visit_pseudonym = serializers.CharField(source="visit.pseudonym", read_only=True)
    buurtcode = serializers.CharField(source="visit.buurtcode", read_only=True)


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    project: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    finding = ReferralFindingSerializer(read_only=True, allow_null=True)
    # A missing outcome (reverse one-to-one) reads as null: DRF catches ObjectDoesNotExist.
    outcome = OutcomeSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "project",
            "kind",
            "organisation",
            "unit",
            "note",
            "status",
            "due_on",
            "is_overdue",
            "return_reason",
            "finding",
            "outcome",
            "created_at",
            "received_at",
            "closed_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class AddressSerializer(serializers.Serializer[Any]):
    visit_pseudonym = serializers.CharField(read_only=True)
    straatnaam = serializers.CharField(read_only=True)
    huisnummer = serializers.CharField(read_only=True)
    huisletter = serializers.CharField(read_only=True)
    toevoeging = serializers.CharField(read_only=True)
    postcode = serializers.CharField(read_only=True)
    woonplaats = serializers.CharField(read_only=True)


class VisitDetailSerializer(VisitSerializer):
    """One visit with its notes, its findings and, for who may see it, its real address."""

    address = AddressSerializer(read_only=True, allow_null=True)
    findings = VisitFindingSerializer(source="findings_shown", many=True, read_only=True)

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "notes", "address", "findings"]
        read_only_fields = fields


class ReferralDetailSerializer(ReferralSerializer):
    """One referral with the real addresses it is about (the vault, logged per address)."""

    addresses = AddressSerializer(many=True, read_only=True)

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "addresses"]
        read_only_fields = fields


class OutcomeInputSerializer(serializers.Serializer[Any]):
    """The outcome of a referral. Only these keys are read; anything else (status, project,
    organisation, id, recorded_by, …) is ignored: the server sets it (R4)."""

    outcome = serializers.ChoiceField(choices=OutcomeKind.choices)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=None, required=False, allow_null=True
    )
    brp_correction = serializers.ChoiceField(
        choices=BrpCorrection.choices, required=False, allow_blank=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="De versie die u las; een andere versie geeft 409 (niemand overschrijft).",
    )


# --- views ---


VISITS_PERMS = frozenset({ProjectPerm.PLAN_CONTROLS, ProjectPerm.RECORD_VISITS})


class PullListApi(ProjectScopedApiMixin, generics.ListAPIView[Any]):
    """A keyset-paged list of one project (the selector scopes it); `subjects(page)` are the
    address keys the page shows, logged first (R21)."""

    log_name = ""

    def pull(self) -> QuerySet[Any]:
        raise NotImplementedError

    def subjects(self, page: list[Any]) -> list[str]:
        return []

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()  # type: ignore[union-attr]
        return self.pull()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        subjects = self.subjects(page)
        api_call_log(
            request,
            name=self.log_name,
            ground="control",
            project=self.project,
            subjects=subjects,
            subject_type=ADDRESS_TYPE,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["controleavonden"], summary="Controleavonden (incrementeel ophalen)")
class EveningListApi(PullListApi):
    """The project's evenings the client sees: all for the projectleider, those with the
    client in a team for an inspector (controls.selectors.evenings)."""

    serializer_class = EveningSerializer
    filterset_class = EveningFilterSet
    project_perm_any = VISITS_PERMS
    log_name = "api_v1_evenings"

    def pull(self) -> QuerySet[Any]:
        return evening_list_for_user(
            user=self.request.user, project=self.project, perms=self.project_perms
        )


@extend_schema(tags=["controleavonden"], summary="Bezoeken (incrementeel ophalen)")
class VisitListApi(PullListApi):
    """The project's visits the client sees on the evening pages (pseudonym, no address)."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    project_perm_any = VISITS_PERMS
    log_name = "api_v1_visits"

    def pull(self) -> QuerySet[Any]:
        return visit_pull_for_user(
            user=self.request.user, project=self.project, perms=self.project_perms
        )

    def subjects(self, page: list[Any]) -> list[str]:
        return [visit.address_key for visit in page]


@extend_schema(tags=["controleavonden"], summary="Eén bezoek, met bevindingen en adres")
class VisitDetailApi(ProjectScopedApiMixin, generics.GenericAPIView[Visit]):
    """One visit with its findings; its real address only for who may see addresses (the
    projectleider, the inspector of its team), read from the vault and logged first."""

    serializer_class = VisitDetailSerializer
    project_perm_any = VISITS_PERMS

    def get(self, request: Request, slug: str, pk: int) -> Response:
        user, perms = request.user, self.project_perms
        visit = visit_get_for_user(user=user, project=self.project, pk=pk, perms=perms)
        visit.project = self.project  # the same row (the selector filtered on it): no query
        address = None
        if ProjectPerm.VIEW_ADDRESSES in perms:
            found = visit_addresses_for_user(
                user=user, visits=[visit], purpose="api_v1_visit", perms=perms
            )
            if visit.pk in found:
                address = {"visit_pseudonym": visit.pseudonym, **vars(found[visit.pk])}
        findings = finding_list_for_user(
            user=user, visit=visit, perms=perms, log=ProjectPerm.VIEW_ADDRESSES not in perms
        )
        visit.address = address  # type: ignore[attr-defined]
        visit.findings_shown = findings  # type: ignore[attr-defined]
        return Response(self.get_serializer(visit).data)


@extend_schema(tags=["controleavonden"], summary="Bevindingen (incrementeel ophalen)")
class FindingListApi(PullListApi):
    """The findings of the visits the client sees (controls.selectors.pulls)."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    project_perm_any = VISITS_PERMS
    log_name = "api_v1_findings"

    def pull(self) -> QuerySet[Any]:
        return finding_pull_for_user(
            user=self.request.user, project=self.project, perms=self.project_perms
        )

    def subjects(self, page: list[Any]) -> list[str]:
        return [finding.visit.address_key for finding in page]


def _referral_subjects(referrals: list[Referral]) -> list[str]:
    return [visit.address_key for referral in referrals for visit in referral_visits(referral)]


@extend_schema(tags=["doorverwijzingen"], summary="Doorverwijzingen (incrementeel ophalen)")
class ReferralListApi(ProjectScopedApiMixin, generics.ListAPIView[Referral]):
    """The referrals the client may see in this project, exactly as on the pages: those
    addressed to its organisation (behandelaar), or all of the project (projectleider)."""

    serializer_class = ReferralSerializer
    filterset_class = ReferralFilterSet
    project_perm_any = frozenset({ProjectPerm.PLAN_CONTROLS, ProjectPerm.HANDLE_REFERRALS})

    def get_queryset(self) -> QuerySet[Referral]:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return referral_list_for_user(
            user=self.request.user, project=self.project
        ).prefetch_related("bundled_findings__visit")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        api_call_log(
            request,
            name="api_v1_referrals",
            ground="control",
            project=self.project,
            subjects=_referral_subjects(page),
            subject_type=ADDRESS_TYPE,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _with_addresses(request: Request, referral: Referral) -> Referral:
    """The referral with `addresses` from the vault (the selector logs each one first)."""
    addresses = referral_addresses_for_user(
        user=request.user, referral=referral, purpose="api_v1_referral"
    )
    visits = {visit.pk: visit for visit in referral_visits(referral)}
    referral.addresses = [  # type: ignore[attr-defined]
        {"visit_pseudonym": visits[visit_id].pseudonym, **vars(address)}
        for visit_id, address in addresses.items()
        if address is not None
    ]
    return referral


@extend_schema(tags=["doorverwijzingen"], summary="Eén doorverwijzing, met de adressen")
class ReferralDetailApi(ProjectScopedApiMixin, generics.GenericAPIView[Referral]):
    serializer_class = ReferralDetailSerializer

    def get(self, request: Request, slug: str, pk: int) -> Response:
        referral = referral_get_for_user(user=request.user, project=self.project, pk=pk)
        if not referral_visits(referral):
            api_call_log(request, name="api_v1_referral", ground="control", project=self.project)
        return Response(self.get_serializer(_with_addresses(request, referral)).data)


@extend_schema(
    tags=["doorverwijzingen"],
    summary="De uitkomst vastleggen (scope lezen en uitkomst)",
    request=OutcomeInputSerializer,
    responses={200: ReferralSerializer},
)
class ReferralOutcomeApi(ProjectScopedApiMixin, generics.GenericAPIView[Referral]):
    """Record the outcome of a referral addressed to the client's organisation and close it.

    A referral still verzonden or ontvangen is first received and taken in behandeling by
    the follow-up services, as a behandelaar would on the pages; each step checks the
    permission and the transition table again (409 with the reason when it may not)."""

    serializer_class = OutcomeInputSerializer
    project_perm = ProjectPerm.HANDLE_REFERRALS  # as the pages' referral actions

    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = referral_get_for_user(user=request.user, project=self.project, pk=pk)
        data = OutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        account = self.account
        with transaction.atomic():
            expected = values.get("version")
            if referral.status == ReferralStatus.VERZONDEN:
                referral = referral_receive(
                    actor=account, referral=referral, expected_version=expected
                )
                expected = None if expected is None else referral.version
            if referral.status == ReferralStatus.ONTVANGEN:
                referral = referral_start(
                    actor=account, referral=referral, expected_version=expected
                )
                expected = None if expected is None else referral.version
            referral_complete(
                actor=account,
                referral=referral,
                outcome=values["outcome"],
                amount=values.get("amount"),
                brp_correction=values.get("brp_correction", ""),
                reason=values.get("reason", ""),
                expected_version=expected,
            )
            api_call_log(
                request,
                name="api_v1_referral_outcome",
                ground="control",
                project=self.project,
                subjects=_referral_subjects([referral]),
                subject_type=ADDRESS_TYPE,
            )
        referral = referral_get_for_user(user=request.user, project=self.project, pk=pk)
        return Response(ReferralSerializer(referral).data)


P = "projects/<slug:slug>/"

urlpatterns = [
    path(f"{P}evenings/", EveningListApi.as_view(), name="evening-list"),
    path(f"{P}visits/", VisitListApi.as_view(), name="visit-list"),
    path(f"{P}visits/<int:pk>/", VisitDetailApi.as_view(), name="visit-detail"),
    path(f"{P}findings/", FindingListApi.as_view(), name="finding-list"),
    path("projects/<slug:slug>/referrals/", ReferralListApi.as_view(), name="referral-list"),
    path(
        "projects/<slug:slug>/referrals/<int:pk>/",
        ReferralDetailApi.as_view(),
        name="referral-detail",
    ),
    path(
        "projects/<slug:slug>/referrals/<int:pk>/outcome/",
        ReferralOutcomeApi.as_view(),
        name="referral-outcome",
    ),
]
