"""Local demo: SQLite, Celery eager, runserver. Secrets are generated once into var/.

DEBUG is off, as in production, so the demo shows the application's own Dutch 404 and 500
pages rather than Django's debug page; WhiteNoise serves the static files straight from
`static/` (no collectstatic). `DJANGO_DEBUG=true make demo` brings the debug pages back.
"""

import json
import os
import secrets
from base64 import b64encode
from pathlib import Path

_var = Path(__file__).resolve().parent.parent.parent / "var"
_secrets_file = _var / "demo-secrets.json"
if not {"DJANGO_SECRET_KEY", "WIJKAANPAK_MASTER_KEY"} <= os.environ.keys():
    if not _secrets_file.exists():
        _var.mkdir(parents=True, exist_ok=True)
        _secrets_file.write_text(
            json.dumps(
                {
                    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                    "WIJKAANPAK_MASTER_KEY": b64encode(secrets.token_bytes(32)).decode(),
                }
            )
        )
        _secrets_file.chmod(0o600)
    for _name, _value in json.loads(_secrets_file.read_text()).items():
        os.environ.setdefault(_name, _value)

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_var / 'demo.sqlite3'}")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("CELERY_RESULT_BACKEND", "cache+memory://")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
# The demo logins have no authenticator app; production and the test suite require one.
os.environ.setdefault("WIJKAANPAK_OTP_REQUIRED", "false")
os.environ.setdefault("WIJKAANPAK_ORGANISATION_NAME", "Gemeente Voorbeeldstad")
os.environ.setdefault("WIJKAANPAK_CONTACT_EMAIL", "wijkaanpak@voorbeeldstad.example")
os.environ.setdefault("WIJKAANPAK_PRIVACY_EMAIL", "privacy@voorbeeldstad.example")

from .base import *  # noqa: E402

# Static files with DEBUG off: WhiteNoise (as in production), from the finders, re-read on change.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
