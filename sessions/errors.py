"""Refusals: a command or request that cannot be carried out, with a message for the person.

Views let these propagate; `sessions.middleware.RefusalMiddleware` turns them into a 4xx page
(or an error fragment for htmx). Consumers turn them into a policy close code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError
    from django_stubs_ext import StrPromise

    # Field names to their messages: a form's `errors`, or a service's own.
    FieldErrors: TypeAlias = Mapping[str, Sequence[str | StrPromise | ValidationError]]

# The one answer to input no form of ours sends (a tampered or garbled request).
NOT_UNDERSTOOD = gettext_lazy("That was not understood; nothing was changed.")


class Refused(Exception):
    status = 400

    def __init__(self, message: str | StrPromise) -> None:
        # Translated now, in the language of the request being refused.
        message = str(message)
        super().__init__(message)
        self.message = message


class NotFound(Refused):
    """Missing, or belonging to a workshop the requester has no part in: the same answer."""

    status = 404


class Forbidden(Refused):
    """Someone on the event's team whose role does not allow this (an organiser driving a
    room): they know the event exists, so they are told why, not "not found"."""

    status = 403


class Conflict(Refused):
    """Valid input that the current state does not allow (a finished workshop, a stale step)."""

    status = 409


class TooManyAttempts(Refused):
    status = 429


class InvalidInput(Refused):
    """A form did not validate; `errors` maps field names to messages."""

    status = 400

    def __init__(
        self,
        message: str | StrPromise,
        errors: FieldErrors | None = None,
    ) -> None:
        super().__init__(message)
        self.errors = {
            name: [str(m) for m in messages] for name, messages in (errors or {}).items()
        }
