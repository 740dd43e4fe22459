from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from wijkaanpak.core import offline
from wijkaanpak.core import views as core_views
from wijkaanpak.core.access import otp_step, public
from wijkaanpak.core.auth_views import (
    EnrolmentNeededView,
    EnrolmentView,
    OtpVerifyView,
    WijkaanpakLoginView,
    enrolment_link,
)

handler404 = "wijkaanpak.core.views.not_found"
handler500 = "wijkaanpak.core.views.server_error"

urlpatterns = [
    path("", include("projects.urls")),
    path("inloggen/", public(WijkaanpakLoginView.as_view()), name="login"),
    path("inloggen/tweede-factor/", OtpVerifyView.as_view(), name="otp-verify"),
    path(
        "inloggen/tweede-factor/koppellink-nodig/",
        EnrolmentNeededView.as_view(),
        name="otp-enrolment-needed",
    ),
    path(f"{core_views.ENROLMENT_PATH}<str:token>/", enrolment_link, name="enrolment-link"),
    path(core_views.ENROLMENT_PATH, EnrolmentView.as_view(), name="enrolment"),
    # A password-only session may log out too (without a device it has nowhere else to go).
    path(
        "uitloggen/",
        otp_step(offline.clear_site_data(auth_views.LogoutView.as_view())),
        name="logout",
    ),
    path("gezondheid/", core_views.health, name="health"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("privacyverklaring/", core_views.privacy_statement, name="privacy"),
    path("toegankelijkheid/", core_views.accessibility_statement, name="accessibility"),
    path("contact/", core_views.contact, name="contact"),
    path("gegevens/", include("datasharing.urls")),
    path("matching/", include("datasharing.matching.urls")),
    path("controle/", include("controls.urls")),
    path("rapportage/", include("reports.urls")),
    # The public project pages (issue 15 item 1); the page itself is public, the preview not.
    path("openbaar/", include("transparency.urls")),
    path("privacy/", include("privacy.urls")),
    path("beheer/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    # REST API v1 for partner systems (issue 14): client tokens, each app's `api` module.
    # The endpoints are each app's own (its `api` module); reports, the top layer, lists them
    # (nothing imports reports: a dotted path, like the pages' urls).
    path("api/v1/", include(("reports.api_v1", "api"))),
]
