"""Registries: how a lower layer learns facts from a higher one (style rule 33).

A lower app (projects, datasharing) owns a registry and reads it in its services; a higher app
registers entries in its `AppConfig.ready()`, so the lower app never imports the higher one.
Django calls `ready()` in INSTALLED_APPS order (lower apps first), so entries appear in the
order their apps depend on each other. The registries (owner: API — filled by):

- demo builders (wijkaanpak.core.demo: `demo_builder_register`) — projects, datasharing, matching,
  reports
- jobs, Celery tasks by name (wijkaanpak.core.jobs: `job_register`) — datasharing, matching, reports
- phase gates (projects.gates: `gate_register(phase, check)`) — datasharing, matching
- closure blockers (projects.gates: `closure_blocker_register`) — controls (open referrals)
- start pages, one section per kind of work (projects.navigation: `start_page_set`, a table
  keyed by the work rather than a Registry) — datasharing (the deliverer's data requests),
  reports (the adviser's VNG overview)
- the project menu and the plan page's links (projects.navigation: `menu_item_register`,
  `plan_link_register`) — reports
- the method page's panels (datasharing.matching.panels: `method_panel_register`) — reports
- retention, selection facts, pseudonym tables, key-rotation blockers
  (datasharing.registries) — matching

Each registry is one `Registry[T]`: append-only while the process starts, read many times.
Tests swap entries with `Registry.replaced(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered, duplicate-free list of entries of one type."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: list[T] = []

    def register(self, entry: T) -> T:
        """Add `entry` (once: registering the same entry again changes nothing)."""
        if entry not in self._entries:
            self._entries.append(entry)
        return entry

    def entries(self) -> tuple[T, ...]:
        return tuple(self._entries)

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    @contextmanager
    def replaced(self, *entries: T) -> Iterator[None]:
        """For tests: only `entries` are registered inside the block."""
        saved = self._entries
        self._entries = list(entries)
        try:
            yield
        finally:
            self._entries = saved

    def __repr__(self) -> str:
        return f"Registry({self.name!r}, {len(self._entries)} entries)"
