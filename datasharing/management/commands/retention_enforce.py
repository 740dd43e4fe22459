"""`manage.py retention_enforce [--project <slug>]`: apply the retention rules now (the same
service as the scheduled Celery task) and print what was destroyed (counts only)."""

from django.core.management.base import BaseCommand, CommandError

from datasharing.services import retention_enforce
from datasharing.services.retention import selection_rule_available
from projects.models import Project


class Command(BaseCommand):
    help = "Pas de bewaartermijnen toe en vernietig wat verlopen is."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="Alleen dit project (slug).")

    def handle(self, *args, **options):
        project = None
        if options.get("project"):
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"Project '{options['project']}' bestaat niet.")
        if not selection_rule_available():
            self.stdout.write(
                "Let op: de selectieregels zijn overgeslagen (geen selectiegegevens beschikbaar)."
            )
        records = retention_enforce(project=project)
        for record in records:
            self.stdout.write(
                f"{record.project.slug}: {record.get_rule_display()} "
                f"– {record.rows_destroyed} rijen"
            )
        self.stdout.write(f"{len(records)} vernietiging(en) uitgevoerd.")
