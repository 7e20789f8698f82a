"""The embedded default under load: ONE daphne process with SQLite (a fresh, migrated file)
and the in-memory channel layer (no DATABASE_URL, no REDIS_URL), as `make run` serves a room.

The room is made before the server starts (this process writes the same SQLite file; its
own pushes would not reach the server's in-memory layer, so nothing is pushed from here):
an event, a workshop and its delegates, an ideas step with its board open, a commitment
step, and a dot vote with live results, shown and open, whose budget is large enough that
no tap is refused. Then, once per transport (the page's socket, then the form's POST):

- `--embedded-phones` phones tap open loop at `--embedded-rate` taps/s for
  `--embedded-seconds` (tap i is due at start + i / rate, whatever came of earlier ones);
- `--embedded-tappers` other phones tap back to back for as long: each sends its next tap
  as soon as its previous one is answered;
- meanwhile, once a second each, the other writes of a room: an idea, a commitment, the
  facilitator's "reveal" control (logged in), and a join by the QR link (a new phone);
  their latency is measured (target: under 1 s).

It prints errors (HTTP statuses, 'database is locked' in the server log, sockets closed by
the server), the acknowledgement p50/p95/p99, acknowledged taps against the rows stored,
and the projector's last tally against the database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import math
import os
import re
import secrets
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import load, procs, report, room
from bench.clients import ACK, SinkPhone, Watcher, open_sink
from bench.measure import VoteLog, summary

ERRORS = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', re.S)
FLASH = re.compile(r'<p class="flash[^>]*>(.*?)</p>', re.S)
TAGS = re.compile(r"<[^>]+>")
WRITE_EVERY = 1.0  # seconds between two writes of one kind
WRITE_TARGET = 1.0  # seconds: "answered in under a second"
TAP_TIMEOUT = 60.0  # answers are awaited this long (then lost); their latency is what counts
WRITERS = 64  # delegates who send the ideas and commitments (one each, in turn)
HUGE = 1_000_000  # the vote's budget and per-option cap: no tap is ever refused


@dataclass(frozen=True)
class EmbeddedRoom:
    room: room.Room
    poll_id: int
    option_ids: list[int]
    board_id: int
    commit_step_id: int
    facilitator_cookie: str
    join_token: str


def server_env(sqlite_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "facilitate.settings",
        "SQLITE_PATH": str(sqlite_path),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        # The back-to-back tappers tap faster than any thumb: one phone's pace
        # (sessions.ratelimit) would refuse them.
        "PHONE_MESSAGES_PER_SECOND": "1000",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CHANNEL_LAYER_PREFIX", "DB_CONN_MAX_AGE"):
        env.pop(name, None)
    return env


def make_room(phones: int, label: str) -> EmbeddedRoom:
    """The room, made through the app's services (see the module's docstring)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from sessions.agenda import services
    from sessions.commitments import services as commitments
    from sessions.ideas import services as ideas
    from sessions.models import Workshop
    from sessions.voting import services as voting

    base = room.make_room(phones, label)
    workshop = Workshop.objects.get(pk=base.workshop_id)
    ideas_step = ideas.add_ideas_step(
        workshop=workshop, title="Bench ideas", prompt="What would help?"
    )
    assert ideas_step is not None
    board = ideas.open_board(board=ideas_step.board)
    commit_step = commitments.add_commit_step(workshop=workshop, title="Bench commitments")
    assert commit_step is not None
    settings = voting.PollSettings(
        kind="dots",
        options=[f"Option {chr(65 + i)}" for i in range(room.OPTION_COUNT)],
        budget=HUGE,
        per_option_max=HUGE,
        show_live=True,
    )
    step = voting.add_vote_step(workshop=workshop, title="Bench vote", body="", settings=settings)
    assert step is not None
    services.show_step(workshop=workshop, step=step)
    poll = voting.open_poll(poll=step.poll)
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    session = client.cookies["sessionid"].value
    return EmbeddedRoom(
        room=base,
        poll_id=poll.pk,
        option_ids=list(poll.options.values_list("pk", flat=True)),
        board_id=board.pk,
        commit_step_id=commit_step.pk,
        facilitator_cookie=f"sessionid={session}",
        join_token=workshop.join_token,
    )


def run_embedded(args: argparse.Namespace, results: Path, stamp: str) -> dict[str, Any]:
    log_dir = results / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    sqlite_path = results / f"{stamp}-embedded.sqlite3"
    env = server_env(sqlite_path)
    procs.migrate(env)
    procs.collect_static(env)
    room.setup_django(env)
    phones, tappers = args.embedded_phones, args.embedded_tappers
    the_room = make_room(phones + tappers + WRITERS, f"{stamp} embedded")
    room.close_connections()
    cores = procs.Cores.plan(args.two_process_cores, 1)
    server = procs.daphne(procs.free_port(), env, cores.server if cores.pinned else None, log_dir)
    print(
        f"facilitate benchmark {stamp}, embedded default: one daphne process, SQLite "
        f"{sqlite_path}, in-memory channel layer; {phones} phones at {args.embedded_rate} "
        f"taps/s and {tappers} phones back to back for {args.embedded_seconds:g} s, per "
        f"transport {args.transports}; "
        + (
            f"server on core {cores.server}, load generator on core(s) "
            f"{','.join(map(str, sorted(cores.generator)))}"
            if cores.pinned
            else "not pinned (fewer than 2 cores)"
        )
        + f"; code {procs.code_version()['commit']}",
        flush=True,
    )
    try:
        server.start()
        server.wait_ready("/join")
        result = asyncio.run(load_room(args, server, the_room))
    finally:
        server.stop()
    result.update(
        sqlite=str(sqlite_path),
        server_log=str(server.log_path),
        server_log_problems=server.log_problems(),
    )
    print(
        f"\n  server log: {result['server_log_problems'] or 'no warnings or errors'} "
        f"({server.log_path})",
        flush=True,
    )
    return result


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Tapper:
    """A phone that taps back to back: its next tap as soon as the last is answered."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    change: int = 0
    waiting: asyncio.Future[tuple[str, int | None]] | None = None

    def settle(self, outcome: str, change: int | None) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result((outcome, change))

    # what a SinkPhone reports (bench.clients.Answers)
    def ack(self, index: int, t: float, change: int | None) -> None:
        self.settle("ack" if change is not None else "replayed", change)

    def refuse(self, index: int, t: float, reason: str) -> None:
        self.settle(f"refused: {reason}", None)

    def lose(self, index: int, t: float, reason: str) -> None:
        self.settle(f"lost: {reason}", None)


def headers(port: int, cookie: str = "") -> dict[str, str]:
    return {
        "Cookie": f"{cookie + '; ' if cookie else ''}csrftoken={load.CSRF_TOKEN}",
        "X-CSRFToken": load.CSRF_TOKEN,
        "HX-Request": "true",
        "Origin": f"http://127.0.0.1:{port}",
    }


async def post_vote(
    client: httpx.AsyncClient, url: str, port: int, cookie: str, data: dict[str, Any]
) -> tuple[str, int | None]:
    try:
        response = await client.post(url, data=data, headers=headers(port, cookie))
    except httpx.HTTPError as error:
        return f"lost: {type(error).__name__}", None
    if response.status_code == 200 and (acked := ACK.search(response.content)):
        return ("ack", int(acked.group(2))) if acked.group(2) else ("replayed", None)
    return f"refused: HTTP {response.status_code}", None


async def load_room(
    args: argparse.Namespace, server: procs.Server, the: EmbeddedRoom
) -> dict[str, Any]:
    port = server.port
    phones, tappers = args.embedded_phones, args.embedded_tappers
    cookies = the.room.cookies
    projector = Watcher(
        f"ws://127.0.0.1:{port}/ws/display/{the.room.display_token}/",
        {"Origin": f"http://127.0.0.1:{port}"},
    )
    await projector.start(60)
    path = f"/ws/phone/{the.room.workshop_id}/"
    semaphore = asyncio.Semaphore(args.connect_concurrency)

    async def connect(i: int) -> SinkPhone | None:
        for attempt in range(load.CONNECT_ATTEMPTS):
            if attempt:
                await asyncio.sleep(attempt * 1.0)
            async with semaphore:
                try:
                    return await open_sink(port, path, cookies[i], 60)
                except (OSError, TimeoutError):
                    continue
        return None

    began = time.monotonic()
    connected = await asyncio.gather(*(connect(i) for i in range(phones + tappers)))
    sinks = [s for s in connected if s is not None]
    took = time.monotonic() - began
    print(
        f"  {len(sinks)} of {phones + tappers} phones connected, each with its snapshot, in "
        f"{took:.1f} s; {phones + tappers - len(sinks)} not connected",
        flush=True,
    )
    result: dict[str, Any] = {
        "connect": {"connected": len(sinks), "of": phones + tappers, "seconds": took},
        "phases": [],
    }
    if len(sinks) < phones + tappers:
        raise SystemExit("not every phone connected; see the server log")
    acked_total = 0
    writes = Writes(the, port)
    try:
        for transport, (scenario, phones, tappers) in itertools.product(
            args.transports, scenarios(args)
        ):
            phase = await run_phase(
                args, server, the, projector, connected, writes, transport, phones, tappers
            )
            phase["scenario"] = scenario
            acked_total += phase["acked_total"]
            phase["acked_cumulative"] = acked_total
            phase["check_ok"] = (
                phase["stored"]["marks"] == acked_total
                and phase["stored"]["spent"] == acked_total
                and phase["projector_tally"] is not None
                and round(phase["projector_tally"]) == phase["stored"]["marks"]
            )
            print(phase_lines(phase), flush=True)
            result["phases"].append(phase)
    finally:
        await writes.close()
        for sink in sinks:
            sink.close()
        await projector.stop()
        await load.orm(room.close_connections)
    result["checks_passed"] = all(p["check_ok"] for p in result["phases"])
    return result


class Writes:
    """The room's other writes, one of each kind a second, timed."""

    def __init__(self, the: EmbeddedRoom, port: int) -> None:
        self.the = the
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(30), cookies=load.NoCookies())
        self.writer = 0
        self.joined = 0

    def next_writer(self) -> str:
        cookies = self.the.room.cookies
        cookie = cookies[len(cookies) - WRITERS + self.writer % WRITERS]
        self.writer += 1
        return cookie

    async def idea(self) -> httpx.Response:
        url = f"{self.base}/w/{self.the.room.workshop_id}/ideas/send/"
        data = {"board": self.the.board_id, "text": f"Idea {uuid.uuid4().hex[:8]}",
                "key": str(uuid.uuid4())}  # fmt: skip
        return await self.client.post(
            url, data=data, headers=headers(self.port, self.next_writer())
        )

    async def commitment(self) -> httpx.Response:
        url = f"{self.base}/w/{self.the.room.workshop_id}/commitments/new/"
        today = datetime.date.today()
        data = {
            "step": self.the.commit_step_id,
            "action": "Run a ten-minute stand-up each morning",
            "first_step_when": "When Monday's shift starts",
            "first_step_then": "book the room",
            "first_step_on": (today + datetime.timedelta(days=1)).isoformat(),
            "measure": "the team asks for it",
            "link": f"option:{self.the.option_ids[0]}",  # what the card is about: a vote's option
            "done_by": (today + datetime.timedelta(days=14)).isoformat(),
            "key": str(uuid.uuid4()),
        }
        return await self.client.post(
            url, data=data, headers=headers(self.port, self.next_writer())
        )

    async def reveal(self) -> httpx.Response:
        url = f"{self.base}/console/workshops/{self.the.room.workshop_id}/polls/{self.the.poll_id}/"
        return await self.client.post(
            url,
            data={"action": "reveal"},
            headers=headers(self.port, self.the.facilitator_cookie),
        )

    async def join(self) -> httpx.Response:
        self.joined += 1
        url = f"{self.base}/j/{self.the.join_token}/"
        return await self.client.post(
            url, data={"display_name": f"Late {self.joined}"}, headers=headers(self.port)
        )

    async def run(self, until: float) -> dict[str, list[tuple[float, str]]]:
        """Each kind once a second until `until`: (latency, status) per write."""
        kinds = {"idea": (self.idea, 200), "commitment": (self.commitment, 200),
                 "reveal": (self.reveal, 200), "join": (self.join, 302)}  # fmt: skip
        found: dict[str, list[tuple[float, str]]] = defaultdict(list)

        async def every(kind: str) -> None:
            send, expected = kinds[kind]
            due = time.monotonic()
            while due < until:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                sent = time.monotonic()
                try:
                    response = await send()
                    status = str(response.status_code)
                    if response.status_code != expected:
                        status += f" (expected {expected}{refusal(response.text)})"
                except httpx.HTTPError as error:
                    status = type(error).__name__
                found[kind].append((time.monotonic() - sent, status))
                due += WRITE_EVERY

        await asyncio.gather(*(every(kind) for kind in kinds))
        return found

    async def close(self) -> None:
        await self.client.aclose()


def refusal(html: str) -> str:
    """What a refused write said: its form errors or its flash, tags removed."""
    found = ERRORS.findall(html) or FLASH.findall(html)
    text = [" ".join(TAGS.sub(" ", item).split()) for item in found]
    return f": {' / '.join(text)[:160]}" if text else ""


def database_locked(server: procs.Server) -> int:
    text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    return text.count("database is locked")


def scenarios(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """The loads, each run on its own for every transport: (name, open-loop phones,
    back-to-back phones). The issue's two loads one after the other, then both at once (a
    room larger than either)."""
    phones, tappers = args.embedded_phones, args.embedded_tappers
    if not tappers:
        return [("open loop", phones, 0)]
    return [
        ("open loop", phones, 0),
        ("back to back", 0, tappers),
        ("both at once", phones, tappers),
    ]


async def run_phase(
    args: argparse.Namespace,
    server: procs.Server,
    the: EmbeddedRoom,
    projector: Watcher,
    connected: list[SinkPhone | None],
    writes: Writes,
    transport: str,
    phones: int,
    tappers: int,
) -> dict[str, Any]:
    """One transport and load: `phones` of the open-loop phones and `tappers` of the
    back-to-back phones and the other writes at once, then the answers, the projector and
    the database."""
    port = server.port
    sinks = [s for s in connected if s is not None]
    first_tapper = args.embedded_phones  # the back-to-back phones come after the open-loop ones
    open_loop = sinks[:phones]
    back_to_back = sinks[first_tapper : first_tapper + tappers]
    cookies = the.room.cookies
    options = the.option_ids
    rate, seconds = args.embedded_rate if phones else 0, args.embedded_seconds
    count = round(rate * seconds)
    locked_before = database_locked(server)
    closed_before = sum(s.closed for s in sinks)
    url = f"http://127.0.0.1:{port}/w/{the.room.workshop_id}/vote/"
    clients = load.Clients(args.http_connections, TAP_TIMEOUT)
    start = time.monotonic() + 0.05
    until = start + seconds
    log = VoteLog([start + i / rate for i in range(count)])
    for sink in open_loop:
        sink.answers = log
    tasks: set[asyncio.Task[None]] = set()

    def vote_data(option: int) -> dict[str, Any]:
        return {"poll": the.poll_id, "option": option, "action": "add", "key": str(uuid.uuid4())}

    async def post_open_loop(i: int, data: dict[str, Any]) -> None:
        outcome, change = await post_vote(clients.of(i), url, port, cookies[i % phones], data)
        now = time.monotonic()
        if outcome == "ack":
            log.ack(i, now, change)
        elif outcome.startswith("lost"):
            log.lose(i, now, outcome.removeprefix("lost: "))
        else:
            log.refuse(i, now, outcome.removeprefix("refused: "))

    async def send_open_loop() -> None:
        for i in range(count):
            await asyncio.sleep(max(0.0, log.scheduled[i] - time.monotonic()))
            data = vote_data(options[(i % phones + i // phones) % len(options)])
            if transport == "socket":
                if not open_loop[i % phones].send_vote(
                    i, data["key"], json.dumps({"type": "vote", **data})
                ):
                    log.lose(i, time.monotonic(), "socket closed before sending")
            else:
                task = asyncio.create_task(post_open_loop(i, data))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            log.sent[i] = time.monotonic()

    async def tap(n: int, tapper: Tapper) -> None:
        sink, cookie = back_to_back[n], cookies[first_tapper + n]
        k = 0
        while time.monotonic() < until:
            data = vote_data(options[(n + k) % len(options)])
            sent = time.monotonic()
            if transport == "socket":
                tapper.waiting = asyncio.get_running_loop().create_future()
                sink.answers = tapper
                if not sink.send_vote(k, data["key"], json.dumps({"type": "vote", **data})):
                    tapper.outcomes["lost: socket closed before sending"] += 1
                    return
                try:
                    outcome, change = await asyncio.wait_for(tapper.waiting, TAP_TIMEOUT)
                except TimeoutError:
                    outcome, change = f"lost: no answer within {TAP_TIMEOUT:.0f} s", None
                    sink.pending.clear()
            else:
                outcome, change = await post_vote(clients.of(n), url, port, cookie, data)
            tapper.outcomes[outcome] += 1
            if outcome == "ack":
                tapper.latencies.append(time.monotonic() - sent)
                tapper.change = max(tapper.change, change or 0)
            k += 1

    tap_state = [Tapper() for _ in back_to_back]
    try:
        _, _, written = await asyncio.gather(
            send_open_loop(),
            asyncio.gather(*(tap(n, t) for n, t in enumerate(tap_state))),
            writes.run(until),
        )
        last_sent = time.monotonic()
        drain = TAP_TIMEOUT + 2
        await load._until(lambda: log.unanswered() == 0, last_sent + drain)
        log.expire(time.monotonic(), f"no answer within {drain:.0f} s of the last send")
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await clients.aclose()
        for sink in sinks:
            sink.answers = None
            sink.pending.clear()
    top = max([c for c in log.change if c is not None] + [t.change for t in tap_state], default=0)
    deadline = time.monotonic() + load.PROJECTOR_WAIT
    await load._until(lambda: load._seen(projector, top), deadline)
    await asyncio.sleep(0.5)  # a trailing push, if any
    stored = await load.orm(room.stored_votes, the.poll_id)
    latest = projector.latest
    tally = latest.total if latest is not None and set(latest.scores) == set(options) else None
    tap_latencies = [x for t in tap_state for x in t.latencies]
    tap_outcomes: Counter[str] = Counter()
    for t in tap_state:
        tap_outcomes.update(t.outcomes)
    acked_open = len(log.acked())
    acked_taps = tap_outcomes["ack"]
    statuses = Counter(r for o, r in zip(log.outcome, log.reason, strict=True) if o != "ack")
    closed_codes = Counter(str(s.close_code) for s in sinks if s.closed)
    return {
        "transport": transport,
        "open_loop": {
            "phones": phones,
            "rate": rate,
            "taps": count,
            "sent": log.sent_count(),
            "acked": acked_open,
            "errors": log.errors(),
            "ack_s": summary((log.answered[i] - log.scheduled[i] for i in log.acked()), count),
        },
        "back_to_back": {
            "phones": len(back_to_back),
            "taps": sum(tap_outcomes.values()),
            "acked": acked_taps,
            "taps_per_s": sum(tap_outcomes.values()) / seconds,
            "errors": {k: v for k, v in tap_outcomes.items() if k != "ack"},
            "ack_s": summary(tap_latencies),
        },
        "http_errors": {k: v for k, v in statuses.items() if k.startswith("HTTP")},
        "database_locked": database_locked(server) - locked_before,
        "sockets_closed": sum(s.closed for s in sinks) - closed_before,
        "close_codes": dict(closed_codes),
        "writes": {
            kind: {
                "count": len(found),
                "statuses": dict(Counter(status for _, status in found)),
                "latency_s": summary(latency for latency, _ in found),
                "under_1s": sum(latency < WRITE_TARGET for latency, _ in found),
            }
            for kind, found in written.items()
        },
        "acked_total": acked_open + acked_taps,
        # taps never answered within TAP_TIMEOUT: the server may still store them later
        "lost_taps": Counter(log.outcome)["lost"]
        + sum(n for outcome, n in tap_outcomes.items() if outcome.startswith("lost")),
        "stored": stored,
        "projector_tally": tally,
        "projector_version": latest.version if latest is not None else None,
        "top_change": top,
    }


def phase_lines(phase: dict[str, Any]) -> str:
    loop, b2b = phase["open_loop"], phase["back_to_back"]
    ack, tap = loop["ack_s"], b2b["ack_s"]

    def ms(value: float) -> str:
        return report.ms(value) if not math.isnan(value) else "-"

    lines = [f"\n  [{phase['transport']}, {phase['scenario']}]"]
    if loop["phones"]:
        lines.append(
            f"         {loop['phones']} phones at {loop['rate']} taps/s: sent {loop['sent']} of "
            f"{loop['taps']}, acked {loop['acked']}; ack p50 {ms(ack['p50'])} p95 "
            f"{ms(ack['p95'])} p99 {ms(ack['p99'])}; not acked: {loop['errors'] or 'none'}"
        )
    if b2b["phones"]:
        lines.append(
            f"         {b2b['phones']} phones back to back: {b2b['taps']} taps "
            f"({b2b['taps_per_s']:.0f}/s), acked {b2b['acked']}; ack p50 {ms(tap['p50'])} p95 "
            f"{ms(tap['p95'])} p99 {ms(tap['p99'])}; not acked: {b2b['errors'] or 'none'}"
        )
    lines += [
        f"         errors: HTTP {phase['http_errors'] or 'none'}; 'database is locked' in the "
        f"server log {phase['database_locked']}; sockets closed by the server "
        f"{phase['sockets_closed']} {phase['close_codes'] or ''}",
    ]
    for kind, write in phase["writes"].items():
        latency = write["latency_s"]
        lines.append(
            f"         other write, {kind}: {write['count']} sent, statuses {write['statuses']}; "
            f"latency p50 {ms(latency['p50'])} max {ms(latency['max'])}; under 1 s "
            f"{write['under_1s']} of {write['count']}"
        )
    stored = phase["stored"]
    lines.append(
        f"         check: taps never answered {phase['lost_taps']} (such a tap may still be "
        f"stored later); acknowledged taps so far "
        f"{phase['acked_cumulative']}, stored "
        f"{stored['marks']} marks / {stored['spent']} spent, projector's last tally "
        f"{report.fmt(phase['projector_tally'])} (version {phase['projector_version']}, last "
        f"change acked {phase['top_change']}) -> {'ok' if phase['check_ok'] else 'MISMATCH'}"
    )
    return "\n".join(lines)
