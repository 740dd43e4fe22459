"""What data sharing learns from the apps above it, through registries (style rule 33).

datasharing never imports its sub-app datasharing.matching (nor controls, reports); those
register here in their `AppConfig.ready()`:

- `retention_register(RetentionHook)`: destroys the app's own personal data when a retention
  rule of datasharing.services.retention fires; returns deleted rows per table;
- `selection_facts_register(SelectionFacts)`: when the selection closed and which addresses it
  holds, which the selection rules of retention need (at most one provider);
- `pseudonym_tables_register(*PseudonymTable)`: tables holding the project's pseudonyms, which
  key rotation (datasharing.services.keys) re-keys with the record tables (a column whose
  identifier kind varies per row names the column holding it, `kind_column`);
- `key_rotation_blocker_register(check)`: `check(project)` returns the Dutch reason why the
  key cannot be rotated now, or "".
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from projects.models import Project
from wijkaanpak.core.registry import Registry

from .constants import DestructionRule


@dataclass(frozen=True)
class RetentionHook:
    name: str  # prefixes the table names in the destruction record ("matching:<table>")
    rules: frozenset[DestructionRule]
    destroy: Callable[[Project, datetime], dict[str, int]]


@dataclass(frozen=True)
class SelectionFacts:
    closed_at: Callable[[Project], datetime | None]
    selected_address_keys: Callable[[Project], Set[str]]


@dataclass(frozen=True)
class PseudonymTable:
    model: type[models.Model]
    columns: tuple[str, ...]
    # The foreign key through which a row reaches its project, when it has no project_id.
    via: str = ""
    # The column holding each row's identifier kind (a pseudonymisation.Kind value), when the
    # kind of `columns` varies per row (an owner's pseudonym: "bsn" or "kvk"); "" when the
    # column's name gives it (datasharing.services.keys.KEY_COLUMNS).
    kind_column: str = ""


KeyRotationBlocker = Callable[[Project], str]

RETENTION_HOOKS: Registry[RetentionHook] = Registry("retention hooks")
SELECTION_FACTS: Registry[SelectionFacts] = Registry("selection facts")
PSEUDONYM_TABLES: Registry[PseudonymTable] = Registry("pseudonym tables")
KEY_ROTATION_BLOCKERS: Registry[KeyRotationBlocker] = Registry("key rotation blockers")


def retention_register(hook: RetentionHook) -> None:
    """Destroy an app's personal data along with datasharing's (call from AppConfig.ready())."""
    RETENTION_HOOKS.register(hook)


def selection_facts_register(facts: SelectionFacts) -> None:
    """Tell retention about the selection (call from AppConfig.ready(); one provider)."""
    SELECTION_FACTS.register(facts)


def selection_facts() -> SelectionFacts | None:
    """The registered selection facts, or None while no app provides them."""
    return next(iter(SELECTION_FACTS), None)


def pseudonym_tables_register(*tables: PseudonymTable) -> None:
    """Have key rotation re-key these tables too (call from AppConfig.ready())."""
    for table in tables:
        PSEUDONYM_TABLES.register(table)


def key_rotation_blocker_register(check: KeyRotationBlocker) -> None:
    """Refuse key rotation while `check(project)` gives a reason (call from AppConfig.ready())."""
    KEY_ROTATION_BLOCKERS.register(check)
