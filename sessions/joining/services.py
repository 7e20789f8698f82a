"""Joining a workshop: the delegate for a phone, and the workshop a typed code names."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sessions.agenda.services import lock_open_workshop
from sessions.errors import NotFound
from sessions.models import Attendance, Delegate, Workshop


@transaction.atomic
def join_workshop(*, workshop: Workshop, delegate_key: str | None, display_name: str) -> Delegate:
    """The delegate for this phone (reused when its cookie key is known) attending `workshop`.

    Joining twice is the same delegate and one attendance. A new display name replaces the old.
    """
    locked = lock_open_workshop(workshop.pk)
    delegate = None
    if delegate_key:
        delegate = Delegate.objects.filter(key=delegate_key, event_id=locked.event_id).first()
    if delegate is None:
        delegate = Delegate.objects.create(event_id=locked.event_id, display_name=display_name)
    elif display_name and display_name != delegate.display_name:
        delegate.display_name = display_name
        delegate.save(update_fields=["display_name"])
    Attendance.objects.get_or_create(workshop=locked, delegate=delegate)
    return delegate


def workshop_for_join_code(typed_code: str) -> Workshop:
    """The workshop whose current code this is; NotFound for unknown and expired codes alike."""
    workshop = Workshop.objects.filter(join_code=typed_code).first()
    if workshop is None or not workshop.join_code_is_valid:
        raise NotFound(_("That code did not match a workshop. Check the code on the screen."))
    return workshop
