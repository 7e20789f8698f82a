"""The base of every command form: a client-generated key that makes a command safe to retry,
and the one parser for whole numbers a page sends outside a form field."""

from __future__ import annotations

import uuid

from django import forms

from sessions.errors import InvalidInput

# The most digits a whole number from a request may have: any id fits a bigint column.
INT_MAX_DIGITS = 18


def parse_int(value: object, *, max_digits: int = INT_MAX_DIGITS) -> int | None:
    """`value` as a whole number if it is 1 to `max_digits` ASCII digits, else None.

    The one parser for numbers a page sends outside a form field: `str.isdigit()` also takes
    "²" (which int() refuses) and int() takes "٣" and thousands of digits, so neither is used.
    """
    text = str(value)
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


class CommandForm(forms.Form):
    """Carries the client-generated key that makes a command safe to retry."""

    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def command_key(self) -> str | None:
        key = self.cleaned_data.get("key")
        return str(key) if key else None

    def key_to_send(self) -> str:
        """The key a re-shown form carries: a fresh one in place of a malformed one."""
        if self.is_bound and "key" in self.errors:
            return str(uuid.uuid4())
        value = self["key"].value()
        return str(value) if value else str(uuid.uuid4())


def invalid_form(form: forms.Form) -> InvalidInput:
    """The refusal for a form that did not validate: every field's errors, in one message."""
    return InvalidInput(
        "Please correct the form: "
        + "; ".join(
            f"{name}: {' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        ),
        form.errors,
    )
