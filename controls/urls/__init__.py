"""controls' URLs under /controle/: one module per part, so that each grows on its own.

planning: the projectleider's evenings, teams, routes and finding categories;
field: the inspector's tablet pages and their sync endpoints;
followup: referrals, the partners' inboxes and the owner view.
"""

from . import field, followup, planning

app_name = "controls"

urlpatterns = [*planning.urlpatterns, *field.urlpatterns, *followup.urlpatterns]
