"""Sharing a workshop's archive with its delegates by a long random link."""

from __future__ import annotations

from django.db import transaction

from sessions.agenda.services import changed
from sessions.live import events
from sessions.models import Workshop
from sessions.tokens import new_token


@transaction.atomic
def share_archive(*, workshop: Workshop) -> Workshop:
    """Give the archive a share link (kept if it has one). Broadcasts on commit.

    Allowed before and after closing: the link only opens once the workshop has finished.
    """
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.archive_token is None:
        locked.archive_token = new_token()
        locked.save(update_fields=["archive_token"])
        changed(locked.pk, events.ARCHIVE_SHARING_CHANGED)
    return locked


@transaction.atomic
def stop_sharing_archive(*, workshop: Workshop) -> Workshop:
    """Clear the share link: the old link stops working at once. Broadcasts on commit."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.archive_token is not None:
        locked.archive_token = None
        locked.save(update_fields=["archive_token"])
        changed(locked.pk, events.ARCHIVE_SHARING_CHANGED)
    return locked
