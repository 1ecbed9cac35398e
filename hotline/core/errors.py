"""Domain errors with stable codes; the API maps them to HTTP, views to form errors."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """Missing or not visible to the actor: the two are one answer so ids cannot be probed."""

    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class ValidationFailed(DomainError):
    code = "validation_failed"
    http_status = 422
