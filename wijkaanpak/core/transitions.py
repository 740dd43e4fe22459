"""Lifecycles as transition tables (style rules 9–11).

Each lifecycle is one `dict[State, set[State]]` in its app's constants.py; its services ask
these two functions before they move a row, and write the move's Event themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import TypeVar

from .exceptions import InvalidTransition

S = TypeVar("S", bound=str)


def transition_allowed(transitions: Mapping[S, Set[S]], current: str, target: str) -> bool:
    """Whether the table allows `current` → `target` (unknown states allow nothing)."""
    return any(state == current and target in targets for state, targets in transitions.items())


def transition_require(
    transitions: Mapping[S, Set[S]], current: str, target: str, *, message: str
) -> None:
    """Raise InvalidTransition(`message`) unless the table allows `current` → `target`."""
    if not transition_allowed(transitions, current, target):
        raise InvalidTransition(message)


def sources_of(transitions: Mapping[S, Set[S]], target: str) -> frozenset[S]:
    """The states from which the table allows a move to `target`."""
    return frozenset(state for state, targets in transitions.items() if target in targets)
