"""Apply each event's retention period: after it, contact details and the links between
delegates and their words are removed; aggregates stay. Safe to run daily from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sessions.privacy.services import apply_retention


class Command(BaseCommand):
    help = "Remove personal data of events past their retention period (aggregates stay)."

    def handle(self, *args: Any, **options: Any) -> None:
        forgotten = apply_retention()
        for event_id, count in forgotten.items():
            self.stdout.write(f"event {event_id}: {count} delegate(s) anonymised")
        if not forgotten:
            self.stdout.write("Nothing past its retention period.")
