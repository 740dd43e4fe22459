"""`manage.py project_key_rotate --project <slug>`: replace the project's pseudonymisation key by
a new version and re-key every stored pseudonym (security R19), as the operator (no actor), with
the same service as everywhere else. Prints the new version and the re-keyed rows per table."""

from django.core.management.base import BaseCommand, CommandError

from datasharing.services import project_key_rotate
from projects.models import Project
from wijkaanpak.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Vervang de pseudonimiseringssleutel van een project door een nieuwe versie en "
        "pseudonimiseer alle opgeslagen gegevens opnieuw."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Korte naam (slug) van het project.")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"Project '{options['project']}' bestaat niet.")
        try:
            key = project_key_rotate(actor=None, project=project)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        rows = key.rekeyed_rows
        self.stdout.write(
            f"{project.slug}: sleutel vervangen, nu versie {key.version} "
            f"(was versie {key.version - 1})."
        )
        self.stdout.write("Opnieuw gepseudonimiseerde rijen per tabel:")
        for table, count in rows.items():
            self.stdout.write(f"  {table}: {count}")
        self.stdout.write(f"Totaal: {sum(rows.values())} rijen.")
