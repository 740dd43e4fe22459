"""`manage.py api_client_issue --organisation UWV --name Suwinet --scope read [--days 90]`.

Issues a REST client (issue 14) as the operator and prints its token once; only its hash is
stored. A projectleider then gives the client account a role in a project.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from partners.constants import API_TOKEN_DAYS_DEFAULT, ApiScope
from partners.models import Organisation
from partners.services import api_client_issue
from wijkaanpak.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Geef een API-client uit voor een organisatie en toon het token één keer."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="naam van de organisatie")
        parser.add_argument("--name", required=True, help="naam van de client")
        parser.add_argument("--scope", choices=ApiScope.values, default=ApiScope.READ)
        parser.add_argument("--days", type=int, default=API_TOKEN_DAYS_DEFAULT)

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"Organisatie {options['organisation']!r} bestaat niet.")
        try:
            issued = api_client_issue(
                actor=None,
                organisation=organisation,
                name=options["name"],
                scope=options["scope"],
                expires_at=timezone.now() + timedelta(days=options["days"]),
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        client = issued.client
        self.stdout.write(f"API-client {client} ({client.get_scope_display()}), clientaccount ")
        self.stdout.write(f"{client.account.username}, geldig tot {client.expires_at:%d-%m-%Y}.")
        self.stdout.write("Token (wordt niet bewaard, alleen nu getoond):")
        self.stdout.write(issued.token)
