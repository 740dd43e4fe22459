from django.apps import AppConfig


class DatasharingConfig(AppConfig):
    name = "datasharing"
    verbose_name = "Gegevensdeling"

    def ready(self):
        from projects.navigation import StartSection, Work, start_page_set

        # A partner's analist delivers that partner's files: their start page is their requests.
        start_page_set(
            Work.LEVERANCIER,
            StartSection(
                "Mijn uitvragen",
                "datasharing/start/_data_requests.html",
                _data_requests_section,
                intro="De gegevens die uw organisatie is gevraagd te leveren, per project. "
                "Na het leveren ziet u hier het validatierapport.",
            ),
        )


def _data_requests_section(*, user, project_ids) -> dict:
    from .selectors import data_requests_to_deliver

    return {"data_requests": list(data_requests_to_deliver(user=user, project_ids=project_ids))}
