"""Named domain errors; the API turns them into `{"detail", "code"}` with the right status."""
from __future__ import annotations


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str = "", *, code: str | None = None, field: str = ""):
        super().__init__(message)
        self.message = message or self.__class__.__doc__ or self.code
        if code:
            self.code = code
        self.field = field  # the input the error is about: a form shows it there, the API adds `errors`


class ValidationFailed(DomainError):
    """The input breaks a rule."""

    code = "validation_error"


class InvalidTransition(DomainError):
    """This action is not allowed in the item's current state."""

    code = "invalid_transition"


class Forbidden(DomainError):
    """Your role does not allow this action."""

    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    """Not found."""

    code = "not_found"
    status = 404
