"""Background jobs by name, so that services never import tasks (docs/architecture.md).

Tasks import services; a service that needs a job queues it by name. Each app registers its
Celery tasks in `AppConfig.ready()` with `job_register(name, task)`. Arguments are ids only:
never row data (security R17).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db import transaction

from .registry import Registry


class Task(Protocol):
    """What a job needs of a Celery task."""

    def delay(self, *args: int) -> object: ...


@dataclass(frozen=True)
class Job:
    name: str
    task: Task = field(compare=False)


JOBS: Registry[Job] = Registry("jobs")

JOB_UNKNOWN = "No job registered under the name {name!r}."


def job_register(name: str, task: Task) -> None:
    """Make `task` available to services as job `name` (call from AppConfig.ready())."""
    JOBS.register(Job(name, task))


def job_enqueue(
    name: str, *ids: int, on_failure: Callable[[Exception], None] | None = None
) -> None:
    """Queue job `name` with `ids` once the current transaction commits (style rule 7).

    When the broker refuses the message, `on_failure(error)` is called instead of raising (not
    with eager Celery, where the error is the task's own). Raises LookupError for a name no app
    registered, at once rather than after the commit.
    """
    task = next((job.task for job in JOBS if job.name == name), None)
    if task is None:
        raise LookupError(JOB_UNKNOWN.format(name=name))

    def send() -> None:
        try:
            task.delay(*ids)
        except Exception as error:
            if on_failure is None or settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            on_failure(error)

    transaction.on_commit(send)
