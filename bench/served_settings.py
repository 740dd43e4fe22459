"""The test settings with static files served as in production (wijkaanpak.settings.production):
WhiteNoise in gunicorn, hashed names, gzip and brotli precompressed by collectstatic. Used by
bench/tablet_speed.py, which collects into BENCH_STATIC_ROOT first."""

from wijkaanpak.settings.test import *  # noqa: F403

MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
STATIC_ROOT = env.path("BENCH_STATIC_ROOT")  # noqa: F405
