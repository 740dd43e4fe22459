"""The Celery application. Workers start with `celery -A wijkaanpak worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkaanpak.settings.production")

app = Celery("wijkaanpak")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
