"""Presence: who is in the room now. A socket counts while it is open and refreshed; a phone
on the polling fallback counts while it polls. Changes broadcast #presence on commit."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sessions.agenda.services import changed
from sessions.live import broadcast, events
from sessions.models import Presence, Workshop


@transaction.atomic
def connect_presence(*, workshop_id: int, delegate_id: int, channel_name: str) -> None:
    """Count this socket as present; broadcasts #presence on commit."""
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "workshop_id": workshop_id,
            "delegate_id": delegate_id,
            "process": broadcast.PROCESS_ID,
            "seen_at": timezone.now(),
        },
    )
    workshop = Workshop.objects.get(pk=workshop_id)
    changed(workshop.pk, events.PRESENCE_CHANGED)


@transaction.atomic
def disconnect_presence(*, channel_name: str) -> None:
    """Stop counting this socket; broadcasts #presence on commit."""
    row = Presence.objects.filter(channel_name=channel_name).first()
    if row is None:
        return
    row.delete()
    changed(row.workshop_id, events.PRESENCE_CHANGED)


# A phone on the polling fallback (no socket) is present while it polls: one row per delegate
# and workshop, refreshed by each poll, stale after PRESENCE_STALE_SECONDS like a socket's.
POLLING = "poll"


@transaction.atomic
def poll_presence(*, workshop_id: int, delegate_id: int) -> None:
    """Count a polling phone as present (a delegate with a socket too still counts once).
    One UPDATE per poll; broadcasts #presence on commit only when the phone was not already
    counted as polling."""
    now = timezone.now()
    channel_name = f"{POLLING}:{workshop_id}:{delegate_id}"
    fresh_after = now - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    if Presence.objects.filter(channel_name=channel_name, seen_at__gte=fresh_after).update(
        seen_at=now
    ):
        return
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "workshop_id": workshop_id,
            "delegate_id": delegate_id,
            "process": POLLING,  # no server process refreshes it: only its polls do
            "seen_at": now,
        },
    )
    changed(workshop_id, events.PRESENCE_CHANGED)


@transaction.atomic
def refresh_presence(*, only_this_process: bool = False) -> list[int]:
    """Keep this process's sockets fresh and remove stale ones (of processes that died, and
    of phones that stopped polling).

    With `only_this_process` (one server process owns every socket, as with the in-memory
    channel layer) every other socket's row is stale at once. Broadcasts #presence to the workshops
    whose count changed; returns their ids.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    mine = Presence.objects.filter(process=broadcast.PROCESS_ID)
    mine.update(seen_at=now)
    if only_this_process:
        stale = Presence.objects.exclude(process=broadcast.PROCESS_ID).exclude(
            process=POLLING, seen_at__gte=cutoff
        )
    else:
        stale = Presence.objects.filter(seen_at__lt=cutoff)
    workshop_ids = sorted(set(stale.values_list("workshop_id", flat=True)))
    stale.delete()
    for workshop in Workshop.objects.filter(pk__in=workshop_ids):
        changed(workshop.pk, events.PRESENCE_CHANGED)
    return workshop_ids
