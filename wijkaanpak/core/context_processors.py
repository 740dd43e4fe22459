from django.conf import settings


def site(request):
    return {
        "WIJKAANPAK_VERSION": settings.WIJKAANPAK_VERSION,
        "OTP_REQUIRED": settings.OTP_REQUIRED,
    }
