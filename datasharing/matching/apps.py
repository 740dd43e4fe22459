from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "datasharing.matching"
    label = "matching"
    verbose_name = "Matching en selectie"
