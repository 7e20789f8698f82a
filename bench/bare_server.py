"""A minimal bare asyncio WebSocket server doing the app's live-voting job: the yardstick the
benchmark compares facilitate with, in the same run and with the same clients.

It speaks the app's socket protocol as the benchmark uses it:
    /ws/phone/<anything>/   a phone; its Cookie header is its identity
    /ws/display/<token>/    the projector
Phones send {"type": "vote", "poll": P, "option": O, "action": "add"|"remove", "key": K}
and are answered with a ballot fragment carrying data-ack="K" data-change="<version>", or a
flash carrying data-refused="K" (5 dots each, at most 2 on one option; a replayed key gets
the same answer). The projector sends {"type": "show", "poll": P, "options": [...]} to show
a fresh vote. Tallies live in memory; every vote is a new version. #results is rendered once
per audience and pushed coalesced: to the projector at most every 50 ms, to phones at most
every second, always with a trailing push after the last change.

Run: python bench/bare_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import time
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response
from websockets.typing import Origin

BUDGET = 5
PER_OPTION_MAX = 2
PUSH_INTERVAL = {"projector": 0.05, "phones": 1.0}
MAX_MESSAGE = 4096
NOT_UNDERSTOOD = "That message was not understood; nothing was changed."


class Room:
    """One workshop's live vote, its sockets and its coalesced pushes."""

    def __init__(self) -> None:
        self.version = 0
        self.poll = 0
        self.options: list[int] = []
        self.tallies: dict[int, dict[int, int]] = {}
        self.voters: dict[int, int] = {}  # ballots with at least one dot, per poll
        self.ballots: dict[tuple[int, str], dict[int, int]] = {}
        self.answers: dict[str, str] = {}  # command key -> the answer it got
        self.audiences: dict[str, set[ServerConnection]] = {"projector": set(), "phones": set()}
        self.scheduled: set[str] = set()
        self.last_sent: dict[str, float] = {}

    # --- commands ---------------------------------------------------------------------

    def show(self, poll: int, options: list[int]) -> None:
        self.poll, self.options = poll, options
        self.tallies.setdefault(poll, dict.fromkeys(options, 0))
        self.changed()

    def vote(self, delegate: str, message: dict[str, Any]) -> str:
        key = message.get("key")
        # Any JSON values: each is checked before use.
        poll: Any = message.get("poll")
        option: Any = message.get("option")
        action: Any = message.get("action")
        if not isinstance(key, str) or not 0 < len(key) <= 64:
            return flash(NOT_UNDERSTOOD)
        if key in self.answers:
            return self.answers[key]
        tally = self.tallies.get(poll) if isinstance(poll, int) else None
        if tally is None or option not in tally or action not in ("add", "remove"):
            return flash("That vote is not part of this workshop.", key)
        marks = self.ballots.setdefault((poll, delegate), {})
        current = marks.get(option, 0)
        if action == "add" and sum(marks.values()) >= BUDGET:
            return flash(f"You have used all {BUDGET} dots.", key)
        if action == "add" and current >= PER_OPTION_MAX:
            return flash(f"At most {PER_OPTION_MAX} dots can go on one option.", key)
        step = 1 if action == "add" else -1 if current else 0
        before = sum(marks.values())
        marks[option] = current + step
        tally[option] += step
        self.voters[poll] = self.voters.get(poll, 0) + (before + step > 0) - (before > 0)
        self.changed()
        answer = ballot(poll, self.options, marks, key, self.version)
        self.answers[key] = answer
        return answer

    # --- pushes -----------------------------------------------------------------------

    def changed(self) -> None:
        if not self.options:
            return
        self.version += 1
        loop = asyncio.get_running_loop()
        for audience, interval in PUSH_INTERVAL.items():
            if audience in self.scheduled:
                continue  # the flush already scheduled will carry this change too
            self.scheduled.add(audience)
            delay = max(0.0, self.last_sent.get(audience, -interval) + interval - loop.time())
            loop.call_later(delay, self.flush, audience)

    def flush(self, audience: str) -> None:
        self.scheduled.discard(audience)
        self.last_sent[audience] = asyncio.get_running_loop().time()
        broadcast(self.audiences[audience], self.results(projector=audience == "projector"))

    def results(self, *, projector: bool) -> str:
        tally = self.tallies.get(self.poll, {})
        ranked = sorted(self.options, key=lambda o: (-tally.get(o, 0), self.options.index(o)))
        top = max(tally.values(), default=0) or 1
        rows = "".join(
            f'<li class="bar-row"><span class="bar-label">{label(self.options, o)}</span>'
            f'<span class="bar-track"><span class="bar" style="width: '
            f'{round(100 * tally.get(o, 0) / top)}%"></span></span><span class="bar-score" '
            f'data-option="{o}" data-score="{tally.get(o, 0)}">{tally.get(o, 0)}</span></li>'
            for o in ranked
        )
        voters = self.voters.get(self.poll, 0)
        rendered = f' data-rendered="{int(time.time() * 1000)}"' if projector else ""
        return (
            f'<section id="results" hx-swap-oob="true" data-version="{self.version}"{rendered}>'
            f'<div class="results-chart"><ol class="bars">{rows}</ol>'
            f'<p class="method">Dots placed · {voters} voted</p></div></section>'
        )

    def snapshot(self, *, projector: bool) -> str:
        status = f'<p id="status" hx-swap-oob="true" data-version="{self.version}">Live</p>'
        return status + self.results(projector=projector)


def label(options: list[int], option: int) -> str:
    return f"Option {chr(65 + options.index(option))}"


def ballot(poll: int, options: list[int], marks: dict[int, int], key: str, change: int) -> str:
    rows = "".join(
        f'<li class="ballot-option"><span class="option-label">{label(options, o)}</span>'
        f'<span class="dots" data-dots="{marks.get(o, 0)}">{"●" * marks.get(o, 0)}</span></li>'
        for o in options
    )
    left = BUDGET - sum(marks.values())
    return (
        f'<section id="ballot" class="ballot" hx-swap-oob="true" data-ack="{key}" '
        f'data-change="{change}"><p class="allowance"><strong>{left}</strong> of {BUDGET} dots '
        f'left</p><ul class="ballot-options">{rows}</ul></section>'
    )


def flash(message: str, key: str | None = None) -> str:
    refused = f' data-refused="{key}"' if key else ""
    return (
        f'<div id="flash" hx-swap-oob="true"{refused}>'
        f'<p class="flash flash-error" role="alert">{message}</p></div>'
    )


def parse(text: str | bytes) -> dict[str, Any] | None:
    if not isinstance(text, str) or len(text) > MAX_MESSAGE:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


ROOM = Room()


async def handler(connection: ServerConnection) -> None:
    path = connection.request.path if connection.request else ""
    if path.startswith("/ws/display/"):
        audience = "projector"
    elif path.startswith("/ws/phone/"):
        audience = "phones"
    else:
        await connection.close(4403)
        return
    delegate = connection.request.headers.get("Cookie", "") if connection.request else ""
    ROOM.audiences[audience].add(connection)
    try:
        await connection.send(ROOM.snapshot(projector=audience == "projector"))
        async for text in connection:
            message = parse(text) or {}
            kind = message.get("type")
            if kind == "vote" and audience == "phones":
                await connection.send(ROOM.vote(delegate, message))
            elif kind == "show" and audience == "projector":
                ROOM.show(message["poll"], list(message["options"]))
            elif kind == "ping":
                await connection.send("pong")
            else:
                await connection.send(flash(NOT_UNDERSTOOD))
    finally:
        ROOM.audiences[audience].discard(connection)


def health(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == "/health":
        return connection.respond(HTTPStatus.OK, "ok\n")
    return None


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    origins = [Origin(f"http://127.0.0.1:{port}"), Origin(f"http://localhost:{port}")]
    async with serve(
        handler,
        "127.0.0.1",
        port,
        origins=origins,
        process_request=health,
        compression=None,
        max_size=65536,
        backlog=4096,
    ):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args().port))
