"""Demo builders: each app adds its part of `manage.py load_demo` (a registry, rule 33).

An app registers a `DemoBuilder` in its `AppConfig.ready()`; `load_demo` runs every `build` in
registration order (INSTALLED_APPS order: lower apps first, so later builders find what earlier
ones made), each in its own transaction, then prints every `summary`. Builders are idempotent:
they create only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .registry import Registry


@dataclass(frozen=True)
class DemoBuilder:
    name: str
    build: Callable[..., None]  # build(*, stdout) -> None
    summary: Callable[[Any], None] | None = None  # summary(stdout): after every build ran


DEMO_BUILDERS: Registry[DemoBuilder] = Registry("demo builders")


def demo_builder_register(builder: DemoBuilder) -> None:
    """Add an app's demo builder (call from AppConfig.ready())."""
    DEMO_BUILDERS.register(builder)
