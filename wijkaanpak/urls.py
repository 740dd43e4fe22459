from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drf_spectacular.views import SpectacularAPIView

from wijkaanpak.core import views as core_views
from wijkaanpak.core.access import public
from wijkaanpak.core.auth_views import OtpSetupView, OtpVerifyView, WijkaanpakLoginView

handler404 = "wijkaanpak.core.views.not_found"
handler500 = "wijkaanpak.core.views.server_error"

urlpatterns = [
    path("", include("projects.urls")),
    path("inloggen/", public(WijkaanpakLoginView.as_view()), name="login"),
    path("inloggen/tweede-factor/", OtpVerifyView.as_view(), name="otp-verify"),
    path("inloggen/tweede-factor/instellen/", OtpSetupView.as_view(), name="otp-setup"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("gezondheid/", core_views.health, name="health"),
    path("privacyverklaring/", core_views.privacy_statement, name="privacy"),
    path("toegankelijkheid/", core_views.accessibility_statement, name="accessibility"),
    path("contact/", core_views.contact, name="contact"),
    path("partners/", include("partners.urls")),
    path("gegevens/", include("datasharing.urls")),
    path("matching/", include("datasharing.matching.urls")),
    path("beheer/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
