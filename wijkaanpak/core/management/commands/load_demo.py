"""`manage.py load_demo`: the demo municipality, its partners, logins and projects.

Idempotent: every builder creates only what is missing, so a second run changes nothing.
Each app adds its part with a `build(*, stdout)` function in its own `demo` module, listed in
DEMO_BUILDERS in the order they depend on each other; a module that does not exist (yet) is
skipped. Builders after the first find the demo projects through `projects.demo`.
"""

import importlib
import importlib.util

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_BUILDERS = ["projects.demo.build", "datasharing.demo.build", "datasharing.matching.demo.build"]


def _load(path: str):
    module_name, _, function = path.rpartition(".")
    try:
        spec = importlib.util.find_spec(module_name)
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        return None
    return getattr(importlib.import_module(module_name), function)


class Command(BaseCommand):
    help = "Laad de demogegevens (Gemeente Voorbeeldstad); een tweede keer verandert niets."

    def handle(self, *args, **options):
        for path in DEMO_BUILDERS:
            builder = _load(path)
            if builder is None:
                self.stdout.write(f"{path}: (nog) niet aanwezig, overgeslagen")
                continue
            self.stdout.write(f"{path}:")
            with transaction.atomic():
                builder(stdout=self.stdout)
        from projects.demo import DEMO_PASSWORD, DEMO_USERNAMES

        self.stdout.write(
            self.style.SUCCESS("Demogegevens staan klaar. Inloggen op /inloggen/ met:")
        )
        for username, (_first, _last, organisation, role) in DEMO_USERNAMES.items():
            self.stdout.write(f"  {username:<14} ({role.label}, {organisation})")
        self.stdout.write(f"  wachtwoord voor alle demo-accounts: {DEMO_PASSWORD}")
