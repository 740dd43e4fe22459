"""`manage.py load_demo`: the demo municipality, its partners, logins and projects.

Idempotent: every builder creates only what is missing, so a second run changes nothing.
Each app adds its part by registering a `DemoBuilder` in its AppConfig.ready()
(wijkaanpak.core.demo); they run in registration order, each in its own transaction.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from wijkaanpak.core.demo import DEMO_BUILDERS


class Command(BaseCommand):
    help = "Laad de demogegevens (Gemeente Voorbeeldstad); een tweede keer verandert niets."

    def handle(self, *args, **options):
        for builder in DEMO_BUILDERS:
            self.stdout.write(f"{builder.name}:")
            with transaction.atomic():
                builder.build(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demogegevens staan klaar. Inloggen op /inloggen/ met:")
        )
        for builder in DEMO_BUILDERS:
            if builder.summary is not None:
                builder.summary(self.stdout)
