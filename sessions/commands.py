"""The base of every command form: a client-generated key that makes a command safe to retry,
and the one parser for whole numbers a page sends outside a form field."""

from __future__ import annotations

import uuid
from typing import TypeVar

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


class SharedFields(dict[str, forms.Field]):
    """A form class's fields, given back as they are by `copy.deepcopy`: see `fields_shared`."""

    def __deepcopy__(self, memo: dict[int, object]) -> SharedFields:
        return self


FormClass = TypeVar("FormClass", bound=type[forms.Form])


def fields_shared(form_class: FormClass) -> FormClass:
    """A form class whose instances share its fields instead of deep-copying them each.

    Django copies a form's fields for every instance, so that one instance may change its
    own (a widget's attributes, a field's choices). A tap (a vote, an upvote) is validated
    many times a second and its form is never drawn nor changed: the copy was most of its
    cost. Only for forms whose instances change nothing in their fields."""
    form_class.base_fields = SharedFields(form_class.base_fields)
    return form_class


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
