from django.conf import settings


def site(request):
    """What every page shows: who runs the application (header, footer) and its version."""
    return {
        "WIJKAANPAK_VERSION": settings.WIJKAANPAK_VERSION,
        "OTP_REQUIRED": settings.OTP_REQUIRED,
        "ORGANISATION_NAME": settings.WIJKAANPAK_ORGANISATION_NAME,
        "CONTACT_EMAIL": settings.WIJKAANPAK_CONTACT_EMAIL,
        "PRIVACY_EMAIL": settings.WIJKAANPAK_PRIVACY_EMAIL,
    }
