from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wijkaanpak.core"
    label = "core"
    verbose_name = "Kern"
