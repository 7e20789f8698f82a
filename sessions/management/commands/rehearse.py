"""A dress rehearsal: a room of simulated phones on this installation, over the network.

Exit status: 0 the installation held the room, 1 it did not, 2 the rehearsal could not run
(the address does not answer, another rehearsal is running, bad options).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessions.errors import Conflict
from sessions.models import Rehearsal
from sessions.models.rehearsal import PHONES_MOST
from sessions.rehearsal import services
from sessions.rehearsal.figures import limits_text, table


def _within(low: float, high: float, kind: type[int] | type[float] = int) -> Any:
    def parse(text: str) -> int | float:
        value = kind(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    parse.__name__ = f"a number from {low:g} to {high:g}"
    return parse


class Command(BaseCommand):
    help = (
        "Rehearse a room on this installation: simulated phones join by the QR link, vote "
        "over their sockets, send an idea and a commitment, while a projector watches; then "
        "everything the rehearsal made is removed. Prints a verdict and the figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=settings.PUBLIC_URL,
            help="The installation's public address, as phones reach it (default: PUBLIC_URL).",
        )
        parser.add_argument(
            "--phones", type=_within(1, PHONES_MOST), default=100, help="How many phones."
        )
        parser.add_argument(
            "--join-seconds",
            type=_within(0, 600, float),
            help="The phones scan the QR code within this many seconds (default: a tenth of "
            "a second a phone, from 3 to 30).",
        )
        parser.add_argument(
            "--vote-seconds",
            type=_within(0, 600, float),
            help="Each phone places its dots within this many seconds (default: a twentieth "
            "of a second a phone, from 3 to 15).",
        )
        parser.add_argument(
            "--send-seconds",
            type=_within(0, 600, float),
            help="Each phone sends its idea, then its commitment, within this many seconds "
            "(default: a tenth of a second a phone, from 3 to 30).",
        )
        parser.add_argument(
            "--dots", type=_within(1, 10), default=3, help="Dots per phone (default 3)."
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the figures as JSON."
        )

    def handle(self, *args: Any, url: str, as_json: bool, **options: Any) -> None:
        if not url:
            raise CommandError(
                "Set PUBLIC_URL or pass --url: where phones reach the server.", returncode=2
            )
        url = url.rstrip("/")
        try:
            rehearsal = services.begin(url=url, phones=options["phones"], started_from="command")
        except Conflict as refusal:
            raise CommandError(refusal.message, returncode=2) from None
        if not as_json:
            self.stdout.write(f"Rehearsing {options['phones']} phones against {url} …")
        rehearsal, figures = services.run(
            rehearsal,
            services.Options.for_room(
                options["phones"],
                join_seconds=options["join_seconds"],
                vote_seconds=options["vote_seconds"],
                send_seconds=options["send_seconds"],
                dots=options["dots"],
            ),
        )
        self._report(rehearsal, figures, as_json=as_json)

    def _report(self, rehearsal: Rehearsal, figures: Any, *, as_json: bool) -> None:
        if figures is None:
            if as_json:
                self.stdout.write(_dumps({"held": False, "verdict": rehearsal.verdict}))
            raise CommandError(rehearsal.verdict, returncode=2)
        if as_json:
            self.stdout.write(_dumps(rehearsal.figures))
        else:
            self.stdout.write("")
            self.stdout.write(rehearsal.verdict)
            self.stdout.write(limits_text())
            self.stdout.write("")
            self.stdout.write(table(figures))
            self.stdout.write("All the rehearsal's data was removed.")
        if rehearsal.state != Rehearsal.State.HELD:
            raise CommandError(rehearsal.verdict if not as_json else "Did not hold.", returncode=1)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True)
