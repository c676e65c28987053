"""The project's one error shape: every service raises a DomainError (or a subclass naming its domain).

A DomainError carries a message written for the person who acted (already translated), the form field it
belongs to (or several, in ``fields``), the HTTP status a view should answer with, and a stable ``code``
that tests, logs and the API can rely on. Views never look at the text: they show ``fields`` next to the
form fields, the message as a flash, or the status as an error page.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that the domain refuses; see the module docstring."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        fields: dict[str, str] | None = None,
        code: str | None = None,
        status: int | None = None,
    ):
        super().__init__(str(message))
        self.message = str(message)
        self.fields: dict[str, str] = dict(fields or {})
        if field is not None:
            self.fields.setdefault(field, self.message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    @property
    def field(self) -> str | None:
        """The first field at fault, or None when the error is about the whole request."""
        return next(iter(self.fields), None)


class NotFound(DomainError):
    """The object does not exist, or the person asking may not see it: the same answer for both."""

    code = "not_found"
    status = 404


class NotAllowed(DomainError):
    """The action is not open for the object in its current state; the message says why."""

    code = "not_allowed"
    status = 409
