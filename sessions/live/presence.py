"""Presence: who is in the room now. A socket counts while it is open (and its server process
alive); a phone on the polling fallback counts while it polls. Nothing is written to the
database: the counts live in `sessions.live.roster`. A change pushes #presence (coalesced,
at the workshop's current version) without a new version of the workshop."""

from __future__ import annotations

import time

from sessions.live import broadcast, events, roster
from sessions.live.roster import POLLING, present_count, present_delegates

__all__ = [
    "POLLING",
    "confirm_sockets",
    "connect_presence",
    "disconnect_presence",
    "poll_presence",
    "present_count",
    "present_delegates",
    "refresh_presence",
    "sweep_presence",
]


def _tell_the_room(workshop_id: int) -> None:
    broadcast.regions_changed(workshop_id, events.redraws(events.PRESENCE_CHANGED))


def connect_presence(*, workshop_id: int, delegate_id: int, channel_name: str) -> None:
    """Count this socket as present and push #presence (coalesced: a room connecting at once
    costs a few pushes). The shared store changes only with the delegate's first socket on
    this process."""
    if roster.sockets.open(channel_name, workshop_id, delegate_id):
        roster.store().put(workshop_id, {roster.socket_member(delegate_id): time.time()})
    _tell_the_room(workshop_id)


def disconnect_presence(*, channel_name: str) -> None:
    """Stop counting this socket and push #presence (nothing if it was not counted)."""
    closed = roster.sockets.close(channel_name)
    if closed is None:
        return
    workshop_id, delegate_id, last = closed
    if last:
        roster.store().remove(workshop_id, roster.socket_member(delegate_id))
    _tell_the_room(workshop_id)


def poll_presence(*, workshop_id: int, delegate_id: int) -> None:
    """Count a polling phone as present (a delegate with a socket too still counts once);
    pushes #presence only when the phone was not already counted as polling."""
    member = roster.poll_member(delegate_id)
    seen = roster.store().score(workshop_id, member)
    roster.store().put(workshop_id, {member: time.time()})
    if seen is None or seen < roster.fresh_after():
        _tell_the_room(workshop_id)


def refresh_presence() -> list[int]:
    """Confirm this process's sockets and remove stale entries (of processes that died, and
    of phones that stopped polling). Pushes #presence to the workshops whose count changed;
    returns their ids."""
    confirm_sockets()
    return sweep_presence()


def confirm_sockets() -> None:
    """Confirm this process's entries: the shared store only, no database (the server runs
    it off the database thread: a hall of 5,000 is one write of 5,000 entries)."""
    now = time.time()
    for workshop_id, delegates in roster.sockets.delegates().items():
        roster.store().put(workshop_id, {roster.socket_member(d): now for d in delegates})


def sweep_presence() -> list[int]:
    """Remove stale entries and push #presence to the workshops that lost any; their ids."""
    swept = roster.store().sweep(roster.fresh_after())
    for workshop_id in swept:
        _tell_the_room(workshop_id)
    return swept
