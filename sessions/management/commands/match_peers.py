"""Offer peers to the delegates who opted in: run after the event's workshops finish (and
again whenever you like: only new offers are added)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import ngettext

from sessions.models import Event
from sessions.peers.services import match_event


class Command(BaseCommand):
    help = "Offer peers to opted-in delegates (idempotent: only new offers are added)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--event", type=int, default=None, help="Only this event's id.")

    def handle(self, *args: Any, event: int | None, **options: Any) -> None:
        events = Event.objects.all() if event is None else Event.objects.filter(pk=event)
        if event is not None and not events.exists():
            raise CommandError(f"There is no event {event}.")
        total = 0
        for each in events.order_by("id"):
            total += len(match_event(event=each))
        self.stdout.write(ngettext("%(n)d offer made.", "%(n)d offers made.", total) % {"n": total})
