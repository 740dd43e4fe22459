"""`{% project_menu project %}`: the project's pages the person may open (projects.navigation)."""

from django import template

from projects.navigation import ProjectAccess, project_menu, request_known_perms

register = template.Library()


@register.inclusion_tag("components/project_menu.html", takes_context=True)
def project_menu_for(context, project):
    request = context.get("request")
    if request is None or project is None:
        return {"items": []}
    access = ProjectAccess(user=request.user, project=project, known=request_known_perms(request))
    match = request.resolver_match
    return {
        "project": project,
        "items": project_menu(access=access, current=match.view_name if match else None),
    }
