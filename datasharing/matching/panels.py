"""Panels that higher apps add to the method page (a registry, style rule 33).

An entry is a template name; the method page includes each with the page's context (`project`,
`project_perms`). reports adds the selection-fairness panel, which loads itself with htmx.
"""

from __future__ import annotations

from wijkaanpak.core.registry import Registry

METHOD_PANELS: Registry[str] = Registry("method panels")


def method_panel_register(template: str) -> None:
    """Add a panel to the method page (call from AppConfig.ready())."""
    METHOD_PANELS.register(template)
