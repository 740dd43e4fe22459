"""Test suite: PostgreSQL and Redis started by `make test` (scripts/test-services.sh)."""

import os
import secrets
import tempfile
from base64 import b64encode

os.environ.setdefault("DJANGO_SECRET_KEY", "test-" + secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATABASE_URL", "postgres://wijkaanpak@127.0.0.1:54329/wijkaanpak")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:63799/0")
# Generated once per test session; the Celery worker fixture inherits it through os.environ.
os.environ.setdefault("WIJKAANPAK_MASTER_KEY", b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("WIJKAANPAK_ORGANISATION_NAME", "Gemeente Voorbeeldstad")
os.environ.setdefault("WIJKAANPAK_CONTACT_EMAIL", "wijkaanpak@voorbeeldstad.example")
os.environ.setdefault("WIJKAANPAK_PRIVACY_EMAIL", "privacy@voorbeeldstad.example")
# The suite calls the API far faster than a partner system; the throttle has its own test.
os.environ.setdefault("WIJKAANPAK_API_THROTTLE_RATE", "100000/min")
if "WIJKAANPAK_PRIVATE_MEDIA" not in os.environ:
    os.environ["WIJKAANPAK_PRIVATE_MEDIA"] = tempfile.mkdtemp(prefix="wijkaanpak-test-media-")

from .base import *  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
AXES_ENABLED = True

# Crash tests with a real worker (R27, tests/matching/test_worker_crash.py): the restarted worker
# gets a short visibility timeout so it restores the killed worker's unacked tasks within
# seconds instead of hours, and chunks are slowed down so the kill lands halfway.
if env("CELERY_TEST_VISIBILITY_TIMEOUT", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_TEST_VISIBILITY_TIMEOUT"),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        **BROKER_CONNECT_TIMEOUT,
    }
MATCHING_CHUNK_DELAY_SECONDS = env.float("MATCHING_CHUNK_DELAY_SECONDS", default=0)
