"""`{% project_menu_for project %}`: the project's pages the person may open (projects.navigation).

The permissions come from the page's context, as the view resolved them for this request
(`project_perms`: ProjectScopedMixin's, or a page that resolved them itself); the menu then asks
no query of its own. A page without them has them resolved once (project_perms_for_user).
"""

from typing import Any

from django import template

from projects.navigation import ProjectAccess, project_menu

register = template.Library()


@register.inclusion_tag("components/project_menu.html", takes_context=True)
def project_menu_for(context: template.Context, project: Any) -> dict[str, Any]:
    request = context.get("request")
    if request is None or project is None:
        return {"items": []}
    perms = context.get("project_perms")
    access = ProjectAccess(
        user=request.user, project=project, perms=perms if isinstance(perms, frozenset) else None
    )
    match = request.resolver_match
    return {
        "project": project,
        "items": project_menu(access=access, current=match.view_name if match else None),
    }
