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


def checked_year(value) -> int:
    """A policy, payment or scenario year from user input: an int in 2000–2100, else a `year` field error."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("year: not a year")
    if not 2000 <= year <= 2100:
        raise ValidationFailed("year: out of range")
    return year


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
