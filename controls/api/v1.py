"""REST API v1 of controls (issue 14): referrals (and, as the controls pages get them, visits
and findings), through the pages' own selectors and services.

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

from ..constants import BrpCorrection, OutcomeKind, ReferralKind, ReferralStatus
from ..models import Referral, ReferralOutcome
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


# --- serializers: every field listed, all read-only (R4) ---


class OutcomeSerializer(serializers.ModelSerializer[ReferralOutcome]):
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
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
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
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
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


urlpatterns = [
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
