"""`manage.py api_client_revoke --organisation UWV --name Suwinet`: the token stops at once."""

from django.core.management.base import BaseCommand, CommandError

from partners.models import ApiClient
from partners.services import api_client_revoke
from wijkaanpak.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Trek een API-client in; zijn token werkt meteen niet meer."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--reason", default="Ingetrokken door de beheerder")

    def handle(self, *args, **options):
        client = ApiClient.objects.filter(
            organisation__name=options["organisation"], name=options["name"]
        ).first()
        if client is None:
            raise CommandError("Deze API-client bestaat niet.")
        try:
            api_client_revoke(actor=None, client=client, reason=options["reason"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"API-client {client} is ingetrokken.")
