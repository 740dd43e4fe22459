from django.db import models


class InzageSubject(models.TextChoices):
    """What the privacy officer entered for an inzageverzoek (art. 15 AVG)."""

    BSN = "bsn", "Een persoon (BSN)"
    ADDRESS = "adres", "Een adres (postcode en huisnummer)"


# Page sizes of the privacy officer's lists.
INZAGE_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50
# The processing-log export holds at most this many records (the filters narrow it down).
LOG_EXPORT_MAX = 50_000

# The processing activity of the verwerkingsregister for answering data subjects' rights.
GROUND_PRIVACY_RIGHTS = "privacy_rights"
