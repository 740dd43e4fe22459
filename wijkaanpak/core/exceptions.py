"""Domain errors. Services raise these; the API handler and the view mixin translate them.

Domain code never imports HTTP: `InvalidTransition` becomes 409, `NotPermitted` 403 (or 404
where existence must not leak), any other `ApplicationError` 400.
"""


class ApplicationError(Exception):
    def __init__(self, message: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class InvalidTransition(ApplicationError):
    """A state change that the lifecycle or one of its gates forbids."""


class NotPermitted(ApplicationError):
    """The actor lacks the permission for this operation."""
