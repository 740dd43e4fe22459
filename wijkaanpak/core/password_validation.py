"""Password rules with their messages in Dutch.

Django 5.2's Dutch translation lacks the reworded "password too short" message, so the admin
and the password forms showed it in English.
"""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"Dit wachtwoord is te kort: het moet ten minste {self.min_length} tekens bevatten."

    def get_help_text(self) -> str:
        return f"Uw wachtwoord moet ten minste {self.min_length} tekens bevatten."
