from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wijkaanpak.core"
    label = "core"
    verbose_name = "Kern"

    def ready(self) -> None:
        from .security_events import security_events_connect

        security_events_connect()
