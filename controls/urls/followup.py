"""Follow-up (issue 12): referrals, the partners' inboxes and outcomes, the owner view."""

from django.urls import URLPattern, URLResolver, path

from ..views import followup

P = "<slug:slug>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("doorverwijzingen/", followup.InboxView.as_view(), name="inbox"),
    path(f"{P}doorverwijzingen/", followup.ReferralListView.as_view(), name="referrals"),
    path(f"{P}doorverwijzingen/<int:pk>/", followup.ReferralDetailView.as_view(), name="referral"),
    path(
        f"{P}doorverwijzingen/<int:pk>/ontvangen/",
        followup.ReferralReceiveView.as_view(),
        name="referral-receive",
    ),
    path(
        f"{P}doorverwijzingen/<int:pk>/in-behandeling/",
        followup.ReferralStartView.as_view(),
        name="referral-start",
    ),
    path(
        f"{P}doorverwijzingen/<int:pk>/terugleggen/",
        followup.ReferralReturnView.as_view(),
        name="referral-return",
    ),
    path(
        f"{P}doorverwijzingen/<int:pk>/afhandelen/",
        followup.ReferralCompleteView.as_view(),
        name="referral-complete",
    ),
    path(
        f"{P}bevindingen/<int:pk>/doorverwijzen/",
        followup.FindingReferView.as_view(),
        name="finding-refer",
    ),
    path(f"{P}eigenaren/", followup.OwnerListView.as_view(), name="owners"),
    path(
        f"{P}eigenaren/<str:owner>/herleiden/",
        followup.OwnerRevealRequestView.as_view(),
        name="owner-reveal-request",
    ),
    path(
        f"{P}eigenaren/verzoeken/<int:pk>/besluiten/",
        followup.OwnerRevealDecideView.as_view(),
        name="owner-reveal-decide",
    ),
    path(
        f"{P}eigenaren/<str:owner>/riec/", followup.OwnerSignalView.as_view(), name="owner-signal"
    ),
]
