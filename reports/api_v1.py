"""The URL patterns of REST API v1 (issue 14): every app's `api` module, listed here because
reports sits above them all (wijkaanpak.urls includes this module by its dotted path)."""

from controls.api import v1 as controls_api
from projects import api as projects_api

from . import api as reports_api

urlpatterns = [*projects_api.urlpatterns, *controls_api.urlpatterns, *reports_api.urlpatterns]
