from django.core.management.base import BaseCommand, CommandError

from wijkaanpak.core.models import ProcessingLogEntry
from wijkaanpak.core.processing_log import processing_log_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the processing log; exits non-zero when a record was altered."

    def handle(self, *args, **options):
        broken = processing_log_verify()
        if broken:
            raise CommandError(
                f"Processing log chain broken at record id(s): {', '.join(map(str, broken[:20]))}"
            )
        self.stdout.write(f"Processing log intact: {ProcessingLogEntry.objects.count()} records.")
