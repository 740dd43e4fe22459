"""`manage.py run_matching --project <slug> [--user <username>] [--chunks N]`.

Runs a matching run in this process through the same services as the Celery tasks (create,
every chunk, finalise) and prints the counts per indicator and the number of risk addresses.
"""

from django.core.management.base import BaseCommand, CommandError

from datasharing.matching import services
from partners.models import User
from projects.models import Project
from wijkaanpak.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Voer een matchingrun uit voor een project en toon de aantallen per indicator."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="korte naam (slug) van het project")
        parser.add_argument(
            "--user", help="gebruikersnaam van wie de run start (standaard: de aanmaker)"
        )
        parser.add_argument(
            "--chunks", type=int, default=None, help="aantal delen (standaard uit de instellingen)"
        )

    def handle(self, *args, project: str, user: str | None, chunks: int | None, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"Project {project!r} bestaat niet.")
        actor = User.objects.filter(username=user).first() if user else found.created_by
        if actor is None:
            raise CommandError(f"Gebruiker {user!r} bestaat niet.")
        try:
            run = services.matching_run_create(actor=actor, project=found, chunk_count=chunks)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        run = services.matching_run_execute_inline(run=run)
        if run.status != "succeeded":
            raise CommandError(
                f"Matchingrun {run.pk} is niet voltooid: {run.get_status_display()} {run.error}"
            )
        self.stdout.write(
            f"Matchingrun {run.pk} voltooid: {run.address_count} adressen, "
            f"peildatum {run.peildatum}"
        )
        self.stdout.write(f"{'indicator':<30} {'gaat af':>8} {'niet geëvalueerd':>17}")
        for code, counts in run.counts.items():
            self.stdout.write(f"{code:<30} {counts['fired']:>8} {counts['not_evaluated']:>17}")
        self.stdout.write(
            f"Risicoadressen (score ≥ {run.settings_snapshot['risk_threshold']}): "
            f"{run.risk_address_count}"
        )
