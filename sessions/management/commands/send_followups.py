"""Send the follow-up messages and buddy messages that are due. Safe to run from cron every
few minutes: running it twice, or two at once, sends nothing twice."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext

from sessions.commitments.followups import send_due_followups
from sessions.peers.buddy import send_due_buddy_notes


class Command(BaseCommand):
    help = "Send the follow-up messages that are due (idempotent; run it from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default=settings.PUBLIC_URL,
            help="Scheme and host for the links in messages (default: PUBLIC_URL).",
        )
        parser.add_argument(
            "--now", default=None, help="Act as if it were this ISO 8601 time (for rehearsals)."
        )

    def handle(self, *args: Any, base_url: str, now: str | None, **options: Any) -> None:
        if not base_url:
            raise CommandError("Set PUBLIC_URL or pass --base-url: messages carry links.")
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or moment.tzinfo is None:
                raise CommandError("--now must be an ISO 8601 time with its offset.")
        sent = send_due_followups(now=moment, base_url=base_url.rstrip("/"))
        sent += send_due_buddy_notes(now=moment)
        for message in sent:
            self.stdout.write(
                f"sent {message.kind} for commitment {message.commitment_id} to {message.to}"
            )
        n = len(sent)
        self.stdout.write(ngettext("%(n)d message sent.", "%(n)d messages sent.", n) % {"n": n})
