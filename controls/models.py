"""Controleavonden, their teams and visits, findings, referrals and their outcomes.

A visit points at an approved selection proposal (the four-eyes record that explains it) and
carries the address only as its pseudonymous key; the real address is read from the vault when
an inspector or the projectleider opens it, and each such read is logged (R21).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from datasharing.models import KEY_LENGTH

from .constants import (
    BrpCorrection,
    EveningStatus,
    OutcomeKind,
    OwnerRevealStatus,
    ReferralKind,
    ReferralStatus,
    VisitResult,
)


class Controleavond(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="controleavonden"
    )
    name = models.CharField("naam", max_length=200, blank=True)
    starts_at = models.DateTimeField("begint om")
    ends_at = models.DateTimeField("eindigt om", null=True, blank=True)
    meeting_point = models.CharField("verzamelpunt", max_length=300)
    # Rijksdriehoek metres of the meeting point, where the routes start and end.
    meeting_x = models.IntegerField("verzamelpunt x (RD)", null=True, blank=True)
    meeting_y = models.IntegerField("verzamelpunt y (RD)", null=True, blank=True)
    briefing = models.TextField("briefing", blank=True)
    status = models.CharField(
        "status", max_length=12, choices=EveningStatus.choices, default=EveningStatus.GEPLAND
    )
    # Optimistic lock for edits of the plan (R29): every change increments it.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "controleavond"
        verbose_name_plural = "controleavonden"
        indexes = [models.Index(fields=["project", "starts_at"])]

    def __str__(self) -> str:
        return self.name or f"Controleavond {self.starts_at:%d-%m-%Y}"


class Team(models.Model):
    evening = models.ForeignKey(Controleavond, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("naam", max_length=100)
    # The walking route's length in metres as last planned or edited (0: no route yet).
    route_distance_m = models.PositiveIntegerField("looproute (m)", default=0)
    route_planned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evening", "name", "id"]
        verbose_name = "team"
        verbose_name_plural = "teams"
        constraints = [
            models.UniqueConstraint(fields=["evening", "name"], name="team_name_unique_per_evening")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    is_lead = models.BooleanField("teamleider", default=False)

    class Meta:
        ordering = ["team", "-is_lead", "id"]
        verbose_name = "teamlid"
        verbose_name_plural = "teamleden"
        constraints = [
            models.UniqueConstraint(fields=["team", "person"], name="member_once_per_team"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_lead=True), name="one_lead_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.team})"


class Visit(models.Model):
    """One approved address on one evening, its place in a team's route and its result."""

    evening = models.ForeignKey(Controleavond, on_delete=models.PROTECT, related_name="visits")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    proposal = models.ForeignKey(
        "matching.SelectionProposal", on_delete=models.PROTECT, related_name="visits"
    )
    # Denormalised from the proposal for scoping and retention (never the real address).
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    address_key = models.CharField(max_length=KEY_LENGTH)
    pseudonym = models.CharField("pseudoniem", max_length=16)
    buurtcode = models.CharField("buurt", max_length=10, blank=True)
    # BAG coordinates (Rijksdriehoek metres) used for routing.
    x = models.IntegerField(null=True, blank=True)
    y = models.IntegerField(null=True, blank=True)
    route_position = models.PositiveSmallIntegerField("volgorde", null=True, blank=True)
    result = models.CharField("resultaat", max_length=20, choices=VisitResult.choices, blank=True)
    residents_found = models.PositiveSmallIntegerField(
        "aantal aangetroffen bewoners", null=True, blank=True
    )
    notes = models.TextField("aantekening", blank=True)
    visited_at = models.DateTimeField("bezocht om", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The client-generated id of the last result submission (Idempotency-Key, R28).
    result_client_id = models.UUIDField(null=True, blank=True, unique=True)
    # Optimistic lock (R29): two inspectors never silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["evening", "team", "route_position", "id"]
        verbose_name = "bezoek"
        verbose_name_plural = "bezoeken"
        constraints = [
            models.UniqueConstraint(
                fields=["evening", "proposal"], name="address_once_per_evening"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "address_key"]),
            models.Index(fields=["updated_at", "id"]),
        ]

    def __str__(self) -> str:  # never the address
        return f"Bezoek {self.pseudonym}"


class FindingCategory(models.Model):
    """A kind of finding, kept per project by the projectleider (from a default list)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="finding_categories"
    )
    code = models.SlugField("code", max_length=40)
    label = models.CharField("naam", max_length=200)
    description = models.TextField("toelichting", blank=True)
    referral_kind = models.CharField(
        "gebruikelijke doorverwijzing", max_length=20, choices=ReferralKind.choices
    )
    # OrganisationKind values suggested as the referral's target, in order of preference.
    target_kinds = models.JSONField("voorgestelde partners", default=list, blank=True)
    target_unit = models.CharField("afdeling", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("volgorde", default=0)
    is_active = models.BooleanField("in gebruik", default=True)

    class Meta:
        ordering = ["project", "position", "id"]
        verbose_name = "bevindingcategorie"
        verbose_name_plural = "bevindingcategorieën"
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="category_code_per_project")
        ]

    def __str__(self) -> str:
        return self.label


class Finding(models.Model):
    """A bevinding at a visit. Created once per client id (Idempotency-Key, R28)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="findings")
    category = models.ForeignKey(FindingCategory, on_delete=models.PROTECT, related_name="findings")
    description = models.TextField("omschrijving")
    client_id = models.UUIDField(unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["visit", "recorded_at", "id"]
        verbose_name = "bevinding"
        verbose_name_plural = "bevindingen"
        indexes = [models.Index(fields=["updated_at", "id"])]

    def __str__(self) -> str:
        return f"Bevinding {self.pk} ({self.category})"


class Referral(models.Model):
    """A doorverwijzing of one finding (or, for a signaal RIEC, a bundle) to one organisation."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="referrals"
    )
    # The finding it follows up; a RIEC signal about an owner bundles several (`findings`).
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    bundled_findings = models.ManyToManyField(
        Finding, blank=True, related_name="bundled_in_referrals"
    )
    kind = models.CharField("soort", max_length=20, choices=ReferralKind.choices)
    organisation = models.ForeignKey(
        "partners.Organisation",
        verbose_name="aan",
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    unit = models.CharField("afdeling", max_length=200, blank=True)
    note = models.TextField("toelichting", blank=True)
    status = models.CharField(
        "status", max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.VERZONDEN
    )
    due_on = models.DateField("termijn tot")
    is_overdue = models.BooleanField("termijn verstreken", default=False)
    return_reason = models.TextField("reden van terugleggen", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "doorverwijzing"
        verbose_name_plural = "doorverwijzingen"
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["project", "status"]),
            models.Index(fields=["updated_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"Doorverwijzing {self.pk} ({self.get_kind_display()})"


class ReferralOutcome(models.Model):
    """What the partner did with a referral, recorded when it is afgehandeld."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="outcome")
    kind = models.CharField("uitkomst", max_length=20, choices=OutcomeKind.choices)
    amount = models.DecimalField(
        "bedrag (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    brp_correction = models.CharField(
        "BRP-correctie", max_length=20, choices=BrpCorrection.choices, blank=True
    )
    reason = models.TextField("reden", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "uitkomst"
        verbose_name_plural = "uitkomsten"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["terugvordering", "boete"]) | Q(amount__gt=0),
                name="amount_for_recovery_and_fine",
            ),
            models.CheckConstraint(
                condition=~Q(kind="brp_correctie") | ~Q(brp_correction=""),
                name="brp_correction_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (doorverwijzing {self.referral_id})"


class OwnerRevealRequest(models.Model):
    """A request to re-identify one owner of the owner view (issue 12.4): asked by one person
    with a reason, decided by another — the projectleider — (four eyes, also a CHECK). Only an
    approved request opens the owner vault, and every showing is logged (R20/R21)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="owner_reveal_requests"
    )
    # The owner's pseudonym (eigendom's person_key or kvk_key) and its kind, "bsn" or "kvk".
    owner_key = models.CharField(max_length=KEY_LENGTH)
    owner_kind = models.CharField(max_length=3)
    status = models.CharField(
        "status",
        max_length=12,
        choices=OwnerRevealStatus.choices,
        default=OwnerRevealStatus.AANGEVRAAGD,
    )
    reason = models.TextField("reden van het verzoek")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField("reden van het besluit", blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "verzoek om herleiding van een eigenaar"
        verbose_name_plural = "verzoeken om herleiding van een eigenaar"
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="owner_reveal_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["project", "owner_key"],
                condition=Q(status="aangevraagd"),
                name="one_open_owner_reveal_request",
            ),
        ]

    def __str__(self) -> str:  # never the owner
        return f"Verzoek {self.pk} ({self.get_status_display()})"
