"""Batch intake: `manage.py import_delivery --project <slug> (--request <id> | --organisation <name>
--source <code>) --user <username> FILE`. Runs the same services as the upload page, synchronously,
prints the report summary and exits non-zero when the delivery is rejected."""

from pathlib import Path

from django.core.files.base import File
from django.core.management.base import BaseCommand, CommandError

from datasharing.constants import DataRequestStatus, DeliveryStatus, Source
from datasharing.models import DataRequest
from datasharing.selectors import delivery_issue_list
from datasharing.services import delivery_process, delivery_upload
from partners.models import User
from projects.models import Project
from wijkaanpak.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Lever een bestand (CSV of XLSX) op een gegevensuitvraag, zoals via de uploadpagina."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Pad naar het CSV- of XLSX-bestand.")
        parser.add_argument("--project", required=True, help="Korte naam (slug) van het project.")
        parser.add_argument("--request", type=int, help="Nummer van de uitvraag.")
        parser.add_argument(
            "--organisation", help="Naam van de leverende organisatie (met --source)."
        )
        parser.add_argument("--source", choices=Source.values, help="Bron (met --organisation).")
        parser.add_argument("--user", required=True, help="Gebruikersnaam van de leverancier.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Bestand niet gevonden: {path}")
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"Project '{options['project']}' bestaat niet.")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"Gebruiker '{options['user']}' bestaat niet of is niet actief.")
        requests = DataRequest.objects.filter(project=project).exclude(
            status=DataRequestStatus.INGETROKKEN
        )
        if options["request"]:
            data_request = requests.filter(pk=options["request"]).first()
        elif options["organisation"] and options["source"]:
            data_request = requests.filter(
                organisation__name=options["organisation"], source=options["source"]
            ).first()
        else:
            raise CommandError("Geef --request, of --organisation samen met --source.")
        if data_request is None:
            raise CommandError("Geen openstaande uitvraag gevonden voor deze opgave.")
        try:
            with path.open("rb") as handle:
                delivery = delivery_upload(
                    actor=user,
                    data_request=data_request,
                    file=File(handle, name=path.name),
                    queue=False,
                )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        delivery = delivery_process(delivery_id=delivery.pk)
        self.stdout.write(
            f"Levering {delivery.pk} ({delivery.get_source_display()}): "
            f"{delivery.get_status_display()}. "
            f"{delivery.total_rows} rijen, {delivery.valid_rows} opgeslagen, "
            f"{delivery.invalid_rows} ongeldig."
        )
        for issue in delivery_issue_list(delivery=delivery)[:50]:
            row = issue.row_number or "-"
            self.stdout.write(
                f"  rij {row}; {issue.column or '-'}; {issue.masked_value}; {issue.reason}"
            )
        if delivery.status != DeliveryStatus.GEACCEPTEERD:
            raise CommandError(f"Levering {delivery.pk} is afgewezen.")
