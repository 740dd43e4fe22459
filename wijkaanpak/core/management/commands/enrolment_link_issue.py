"""`manage.py enrolment_link_issue --username X`: an enrolment link from the command line.

For the first functional administrator of a new installation, who has no one to issue a link
from the admin yet (security R8). The link is printed once and stored only hashed.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from wijkaanpak.core.exceptions import ApplicationError
from wijkaanpak.core.services import enrolment_link_issue

UNKNOWN_USERNAME = "Onbekende gebruikersnaam: {username}"


class Command(BaseCommand):
    help = (
        "Geef een koppellink uit waarmee een persoon, na het eigen wachtwoord, een "
        "authenticator-app koppelt. De link werkt 24 uur en één keer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="De gebruikersnaam van de persoon.")
        parser.add_argument(
            "--base-url",
            default="",
            help="Het adres van de installatie, bijvoorbeeld https://wijkaanpak.example "
            "(zonder dit adres wordt alleen het pad getoond).",
        )

    def handle(self, *args, username, base_url, **options):
        person = get_user_model().objects.filter(username=username).first()
        if person is None:
            raise CommandError(UNKNOWN_USERNAME.format(username=username))
        try:
            issued = enrolment_link_issue(actor=None, person=person)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        link = base_url.rstrip("/") + reverse("enrolment-link", kwargs={"token": issued.token})
        expires = timezone.localtime(issued.link.expires_at)
        self.stdout.write(link)
        self.stdout.write(
            f"Koppellink voor {person.get_username()}, geldig tot "
            f"{date_format(expires, 'DATETIME_FORMAT')} en "
            "één keer te gebruiken. Hij wordt niet bewaard: geef hem nu door, via een ander "
            "kanaal dan het wachtwoord."
        )
