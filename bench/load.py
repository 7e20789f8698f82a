"""The load generator: connects the phones and the projector to a target (the app's daphne
processes or the bare server), then climbs a ladder of open-loop vote rates and measures
each step. Runs on its own core; the servers run on another.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import itertools
import json
import math
import resource
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from bench import procs, room
from bench.clients import ACK, QUESTIONS_START, RESULTS_START, SinkPhone, Watcher, open_sink
from bench.measure import Arrivals, VoteLog, delays, summary, version_violations

# Any 32 letters and digits, the same in the cookie and the header.
CSRF_TOKEN = "benchBENCHbenchBENCHbenchBENCH01"  # noqa: S105
PROJECTOR_WAIT = 5.0  # seconds after the last answer for the projector to catch up
PHONE_WAIT = 3.0  # ... and for every phone (pushed about once a second)
CONNECT_ATTEMPTS = 3
DISTURBED_ATTEMPTS = 2
RSS_EVERY = 0.5
LOOP_TICK = 0.005
SERVER_QUIET = 0.15  # share of a core under which a server counts as idle
# The Q&A's upvote steps: over the phone's socket (the page's path while its socket is up),
# or as the form's POST (its fallback); the socket transports send their taps as commands.
UPVOTES = ("upvotes", "upvotes-http")
OVER_SOCKET = ("socket", "upvotes")
OTHERS_QUIET = 0.25  # cores' worth of CPU used by other processes that counts as quiet
OTHERS_DISTURB = 0.25  # above this during a step, its figures are flagged as disturbed
GENERATOR_BUSY = 0.9  # generator CPU share above which its figures are suspect
GENERATOR_LAG = 0.02  # seconds of send or loop lag (p99) above which the same holds

ORM = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orm")


async def orm(function: Callable[..., Any], *args: Any) -> Any:
    """Run Django ORM work on the one ORM thread (never on the event loop)."""
    return await asyncio.get_running_loop().run_in_executor(ORM, partial(function, *args))


@dataclass
class Target:
    name: str
    kind: str  # "app" or "bare"
    ports: list[int]
    server_pids: list[int]
    redis_pid: int | None = None
    postmaster: int | None = None
    transports: list[str] = field(default_factory=lambda: ["socket"])


@dataclass
class Options:
    phones: int
    probes: int
    rates: list[int]
    seconds: float
    cost_phones: int = 100  # phones connected while the cost of a vote is measured
    cost_rate: int = 20  # votes/s of that measurement (0: skip it)
    connect_concurrency: int = 50
    connect_timeout: float = 60.0
    drain_seconds: float = 10.0
    http_connections: int = 256
    http_timeout: float = 10.0
    full_ladder: bool = False
    quiet_within: float = 60.0


@dataclass
class Fleet:
    """The clients of one target; sink i connected to sink_ports[i] with cookies[i]."""

    projector: Watcher
    sinks: list[SinkPhone]
    sink_ports: list[int]
    probes: list[Watcher]
    cookies: list[str]

    def closed(self) -> int:
        watchers = [self.projector, *self.probes]
        return sum(s.closed for s in self.sinks) + sum(w.closed for w in watchers)

    def close_codes(self) -> dict[str, int]:
        codes = Counter(str(s.close_code) for s in self.sinks if s.closed)
        codes.update(str(w.close_code) for w in [self.projector, *self.probes] if w.closed)
        return dict(codes)


# --- CPU and memory --------------------------------------------------------------------------


@dataclass
class CpuMark:
    """CPU seconds of every process of interest at one moment."""

    at: float
    servers: list[float]
    loops: list[float]  # the servers' main threads (their event loops)
    redis: float
    postgres: float
    generator: float
    cores: dict[int, float]

    @classmethod
    def take(cls, target: Target) -> CpuMark:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(
            at=time.monotonic(),
            servers=[procs.cpu_seconds(pid) for pid in target.server_pids],
            loops=[procs.main_thread_cpu_seconds(pid) for pid in target.server_pids],
            redis=procs.cpu_seconds(target.redis_pid) if target.redis_pid else 0.0,
            postgres=procs.postgres_cpu_seconds(target.postmaster) if target.postmaster else 0.0,
            generator=usage.ru_utime + usage.ru_stime,
            cores=procs.core_busy_seconds(),
        )

    def shares_since(self, start: CpuMark) -> dict[str, Any]:
        """CPU used between `start` and this mark, as a share of one core."""
        wall = max(self.at - start.at, 1e-6)
        servers = [(b - a) / wall for a, b in zip(start.servers, self.servers, strict=True)]
        helpers = (self.redis - start.redis) + (self.postgres - start.postgres)
        ours = sum(servers) + (helpers + self.generator - start.generator) / wall
        cores = {c: (self.cores[c] - start.cores.get(c, 0)) / wall for c in self.cores}
        loops = [(b - a) / wall for a, b in zip(start.loops, self.loops, strict=True)]
        return {
            "wall_s": wall,
            "servers": servers,
            "server_loops": loops,
            "server_threads": [s - m for s, m in zip(servers, loops, strict=True)],
            "servers_cpu_s": sum(b - a for a, b in zip(start.servers, self.servers, strict=True)),
            "redis": (self.redis - start.redis) / wall,
            "postgres": (self.postgres - start.postgres) / wall,
            "generator": (self.generator - start.generator) / wall,
            "cores": cores,
            "others": max(0.0, sum(cores.values()) - ours),  # everything else on the machine
        }


class Sampler:
    """Samples server memory and this loop's lateness while a step runs."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_rss = [procs.rss_mb(pid) for pid in pids]
        self.loop_lag: list[float] = []
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._rss()), asyncio.create_task(self._ticks())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _rss(self) -> None:
        while True:
            for i, pid in enumerate(self.pids):
                self.peak_rss[i] = max(self.peak_rss[i], procs.rss_mb(pid))
            await asyncio.sleep(RSS_EVERY)

    async def _ticks(self) -> None:
        while True:
            due = time.monotonic() + LOOP_TICK
            await asyncio.sleep(LOOP_TICK)
            self.loop_lag.append(max(0.0, time.monotonic() - due))


async def wait_quiet(target: Target, within: float) -> dict[str, Any]:
    """Wait (bounded) until each server process uses under SERVER_QUIET of a core and the
    machine's other processes under OTHERS_QUIET cores, over a second. A backlog left by an
    overloaded step drains here, and on a shared machine other people's work can finish."""
    started = time.monotonic()
    shares: dict[str, Any] = {}
    while time.monotonic() - started < within:
        mark = CpuMark.take(target)
        await asyncio.sleep(1.0)
        shares = CpuMark.take(target).shares_since(mark)
        if max(shares["servers"]) < SERVER_QUIET and shares["others"] < OTHERS_QUIET:
            return {"waited_s": time.monotonic() - started, "quiet": True}
    return {
        "waited_s": time.monotonic() - started,
        "quiet": False,
        "servers": shares.get("servers"),
        "others": shares.get("others"),
    }


# --- connecting ------------------------------------------------------------------------------


async def open_fleet(target: Target, the_room: room.Room, options: Options) -> Fleet:
    """The projector and the probe phones (the last phones of the room), split across the
    target's ports; sink phones are added with `add_sinks`."""
    port0 = target.ports[0]
    projector = Watcher(
        f"ws://127.0.0.1:{port0}/ws/display/{the_room.display_token}/",
        {"Origin": f"http://127.0.0.1:{port0}"},
    )
    await projector.start(options.connect_timeout)
    path = f"/ws/phone/{the_room.workshop_id}/"
    probes = []
    for i in range(options.phones - options.probes, options.phones):
        port = target.ports[i % len(target.ports)]
        probe = Watcher(
            f"ws://127.0.0.1:{port}{path}",
            {"Origin": f"http://127.0.0.1:{port}", "Cookie": the_room.cookies[i]},
        )
        await probe.start(options.connect_timeout)
        probes.append(probe)
    return Fleet(projector, [], [], probes, [])


async def add_sinks(
    fleet: Fleet, target: Target, the_room: room.Room, options: Options, phones: range
) -> dict[str, Any]:
    """Connect the sink phones `phones` (indexes into the room's cookies), a bounded number
    at a time, each retrying like a real page; returns how that went."""
    path = f"/ws/phone/{the_room.workshop_id}/"
    semaphore = asyncio.Semaphore(options.connect_concurrency)
    failures: Counter[str] = Counter()
    began = time.monotonic()

    async def one(i: int) -> tuple[SinkPhone, int, str] | None:
        port = target.ports[i % len(target.ports)]
        cookie = the_room.cookies[i]
        for attempt in range(CONNECT_ATTEMPTS):
            if attempt:
                await asyncio.sleep(attempt * 1.0)
            async with semaphore:
                try:
                    return (
                        await open_sink(port, path, cookie, options.connect_timeout),
                        port,
                        cookie,
                    )
                except (OSError, TimeoutError) as error:
                    failures[f"attempt {attempt + 1}: {type(error).__name__}: {error}"[:120]] += 1
        return None

    connected = [c for c in await asyncio.gather(*(one(i) for i in phones)) if c]
    took = time.monotonic() - began
    for phone, port, cookie in connected:
        fleet.sinks.append(phone)
        fleet.sink_ports.append(port)
        fleet.cookies.append(cookie)
    return {
        "sinks_connected": len(connected),
        "not_connected": len(phones) - len(connected),
        "connect_seconds": took,
        "connects_per_second": len(connected) / took if took else math.nan,
        "failures": dict(failures),
    }


async def close_fleet(fleet: Fleet) -> None:
    for sink in fleet.sinks:
        sink.close()
    await asyncio.gather(*(w.stop() for w in [*fleet.probes, fleet.projector]))
    await asyncio.sleep(0.5)


# --- one ladder step ---------------------------------------------------------------------------


async def open_vote(
    target: Target, the_room: room.Room, fleet: Fleet, index: int, transport: str = "socket"
) -> room.Vote:
    """A fresh dot vote (fresh budgets), shown and open, or for upvotes fresh questions on the
    projector; returns once the projector shows it and the phones' pushes have had time to
    settle."""
    vote: room.Vote
    if transport in UPVOTES:
        vote = await orm(room.open_questions, the_room.workshop_id, f"Bench upvotes {index}")
    elif target.kind == "app":
        vote = await orm(room.open_vote, the_room.workshop_id, f"Bench vote {index}")
    else:
        vote = room.bare_vote(index)
        fleet.projector.send(
            json.dumps({"type": "show", "poll": vote.poll_id, "options": vote.option_ids})
        )
    wanted = set(vote.option_ids)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        latest = fleet.projector.latest
        if latest is not None and set(latest.scores) == wanted:
            break
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("the projector did not show the new vote within 15 s")
    await asyncio.sleep(1.5)  # the phones' own (coalesced, ~1/s) pushes of the new step
    return vote


def following(fleet: Fleet, region: str) -> None:
    """The region the projector, the probes and the sink phones time a step by: #results for
    votes, #questions for upvotes (an upvote pushes #questions only)."""
    for watcher in (fleet.projector, *fleet.probes):
        watcher.region = region
    start = QUESTIONS_START if region == "questions" else RESULTS_START
    for sink in fleet.sinks:
        sink.region_start = start


def vote_plan(vote: room.Vote, sinks: int, count: int) -> list[tuple[int, int]]:
    """(sink, option) per vote: round-robin over the phones, each phone's k-th vote on a
    different option, so no vote passes the budget or the per-option cap."""
    options = vote.option_ids
    return [(i % sinks, options[(i % sinks + i // sinks) % len(options)]) for i in range(count)]


class Clients:
    """HTTP clients for many phones: `connections` in all, spread over small httpx clients.

    httpx's pool looks over every connection it holds for each request it sends, so one
    client of 256 connections spent the generator's whole core on that bookkeeping and
    capped the HTTP votes it could send near 130 a second, whatever the server did. A few
    connections per client keep the generator's cost per request flat."""

    PER_CLIENT = 8

    def __init__(self, connections: int, timeout: float) -> None:
        count = max(1, connections // self.PER_CLIENT)
        each = max(1, connections // count)
        limits = httpx.Limits(max_connections=each, max_keepalive_connections=each)
        self.clients = [
            httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(timeout), cookies=NoCookies())
            for _ in range(count)
        ]

    def of(self, phone: int) -> httpx.AsyncClient:
        """The client a phone's requests go through (always the same one)."""
        return self.clients[phone % len(self.clients)]

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients))


class HttpVoter:
    """Votes over HTTP as the phone page's forms send them (htmx, CSRF cookie and header);
    with `path` "questions/upvote/", the Q&A's upvotes."""

    def __init__(
        self, target: Target, the_room: room.Room, options: Options, path: str = "vote/"
    ) -> None:
        self.clients = Clients(options.http_connections, options.http_timeout)
        w = the_room.workshop_id
        self.urls = [f"http://127.0.0.1:{p}/w/{w}/{path}" for p in target.ports]
        self.tasks: set[asyncio.Task[None]] = set()

    def send(
        self, log: VoteLog, index: int, port_index: int, cookie: str, data: dict[str, Any]
    ) -> None:
        headers = {
            "Cookie": f"{cookie}; csrftoken={CSRF_TOKEN}",
            "X-CSRFToken": CSRF_TOKEN,
            "HX-Request": "true",
            "Origin": self.urls[port_index].split("/w/", 1)[0],
        }
        task = asyncio.create_task(self._post(log, index, self.urls[port_index], headers, data))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _post(
        self, log: VoteLog, i: int, url: str, headers: dict[str, Any], data: dict[str, Any]
    ) -> None:
        try:
            response = await self.clients.of(i).post(url, data=data, headers=headers)
        except httpx.HTTPError as error:
            log.lose(i, time.monotonic(), type(error).__name__)
            return
        now = time.monotonic()
        if response.status_code == 200 and (acked := ACK.search(response.content)):
            log.ack(i, now, int(acked.group(2)) if acked.group(2) else None)
        else:
            log.refuse(i, now, f"HTTP {response.status_code}")

    async def cancel(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.cancel()
        await self.clients.aclose()


class NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: each request carries its own phone's cookie."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return

    def extract_cookies(self, response: Any, request: Any) -> None:
        return


async def send_votes(
    log: VoteLog,
    plan: list[tuple[int, int]],
    vote: room.Vote,
    fleet: Fleet,
    transport: str,
    voter: HttpVoter | None,
    target: Target,
) -> None:
    """Send every vote at its scheduled time, never waiting for answers (open loop)."""
    keys = [str(uuid.uuid4()) for _ in plan]
    port_index = {port: i for i, port in enumerate(target.ports)}
    i, n = 0, len(plan)
    while i < n:
        now = time.monotonic()
        while i < n and log.scheduled[i] <= now:
            sink, option = plan[i]
            data: dict[str, Any]
            if transport in UPVOTES:  # `option` is a question
                data = {"question": option, "up": "1", "questions": "top", "key": keys[i]}
            else:
                data = {"poll": vote.poll_id, "option": option, "action": "add", "key": keys[i]}
            if transport in OVER_SOCKET:
                command = "upvote" if transport in UPVOTES else "vote"
                if not fleet.sinks[sink].send_vote(
                    i, keys[i], json.dumps({"type": command, **data})
                ):
                    log.lose(i, now, "socket closed before sending")
            else:
                assert voter is not None
                voter.send(log, i, port_index[fleet.sink_ports[sink]], fleet.cookies[sink], data)
            log.sent[i] = time.monotonic()
            i += 1
        if i < n:
            await asyncio.sleep(max(0.0, log.scheduled[i] - time.monotonic()))


async def run_step(
    target: Target,
    the_room: room.Room,
    fleet: Fleet,
    options: Options,
    transport: str,
    rate: int,
    index: int,
    voter: HttpVoter | None,
) -> dict[str, Any]:
    """One ladder step: a fresh vote, `rate` votes a second sent open loop from the sink
    phones (or over HTTP), then the answers and the pushes awaited; returns its figures."""
    sinks = fleet.sinks
    if not sinks:
        raise RuntimeError("no sink phone is connected")
    following(fleet, "questions" if transport in UPVOTES else "results")
    vote = await open_vote(target, the_room, fleet, index, transport)
    count = min(round(rate * options.seconds), len(sinks) * room.BUDGET)
    plan = vote_plan(vote, len(sinks), count)

    projector_mark = len(fleet.projector.results)
    probe_marks = [len(p.results) for p in fleet.probes]
    frames_before = _push_frames(fleet)
    closed_before = fleet.closed()
    for sink in sinks:
        sink.results = []
        sink.recording = True

    sampler = Sampler(target.server_pids)
    sampler.start()
    cpu_start = CpuMark.take(target)
    start = time.monotonic() + 0.05
    log = VoteLog([start + i / rate for i in range(count)])
    for sink in sinks:
        sink.answers = log
    try:
        await send_votes(log, plan, vote, fleet, transport, voter, target)
        last_sent = time.monotonic()
        over_socket = transport in OVER_SOCKET
        drain = options.drain_seconds if over_socket else options.http_timeout + 2
        await _until(lambda: log.unanswered() == 0, last_sent + drain)
        if voter is not None:
            await voter.cancel()
        log.expire(time.monotonic(), f"no answer within {drain:.0f} s of the last send")
        answered = time.monotonic()
        top = max((c for c in log.change if c is not None), default=0)
        await _until(lambda: _seen(fleet.projector, top), answered + PROJECTOR_WAIT)
        cpu_end = CpuMark.take(target)  # the step's work is done; what follows is waiting
        push_frames = _push_frames(fleet) - frames_before
        await _until(lambda: _all_phones_seen(fleet, top), time.monotonic() + PHONE_WAIT)
    finally:
        await sampler.stop()
        for sink in sinks:
            sink.recording = False
            sink.answers = None
            sink.pending.clear()
    connections = await orm(room.database_connections) if target.kind == "app" else None

    if target.kind != "app":
        stored = None
    elif transport in UPVOTES:
        stored = await orm(room.stored_upvotes, vote.option_ids)
    else:
        stored = await orm(room.stored_votes, vote.poll_id)
    result = analyse(
        log, vote, fleet, projector_mark, probe_marks, top, stored, rate, transport, len(sinks)
    )
    result.update(
        planned_seconds=count / rate,
        send_seconds=last_sent - start,
        drain_seconds=answered - last_sent,
        push_frames=push_frames,
        closed=fleet.closed() - closed_before,
        cpu=cpu_end.shares_since(cpu_start),
        peak_rss_mb=sampler.peak_rss,
        loop_lag=summary(sampler.loop_lag),
        database_connections=connections,
    )
    result["push_frames_per_s"] = result["push_frames"] / result["cpu"]["wall_s"]
    result["late_acks"] = log.late
    others = result["cpu"]["others"]
    result["disturbed"] = others > OTHERS_DISTURB
    result["generator_note"] = generator_note(result)
    result["generator_saturated"] = bool(result["generator_note"])
    return result


def analyse(
    log: VoteLog,
    vote: room.Vote,
    fleet: Fleet,
    projector_mark: int,
    probe_marks: list[int],
    top: int,
    stored: dict[str, int] | None,
    rate: int,
    transport: str,
    sinks: int,
) -> dict[str, Any]:
    n = len(log)
    acked = log.acked()
    options = set(vote.option_ids)
    frames = [f for f in fleet.projector.results[projector_mark:] if set(f.scores) == options]
    projector = Arrivals((f.arrival, f.version) for f in frames)
    latency = delays(log, projector, acked)

    probe_delays: list[float] = []
    for probe, mark in zip(fleet.probes, probe_marks, strict=True):
        seen = [f for f in probe.results[mark:] if set(f.scores) == options]
        probe_delays += delays(log, Arrivals((f.arrival, f.version) for f in seen), acked)

    last_vote = max(acked, key=lambda i: log.change[i] or 0, default=None)
    refreshed: list[float] = []
    if last_vote is not None:
        for sink in fleet.sinks:
            t = Arrivals(sink.results).first_at_least(top)
            if t is not None:
                refreshed.append(t - log.scheduled[last_vote])

    final = frames[-1].total if frames else None
    transit = [f.arrival_wall_ms - f.rendered_ms for f in frames if f.rendered_ms is not None]
    bad_frames, shortfall = version_violations(log, ((f.version, f.total) for f in frames))
    outcomes = Counter(log.outcome)
    delivered = len(latency)
    p99 = summary(latency, total=n)["p99"]
    return {
        "transport": transport,
        "rate": rate,
        "votes": n,
        "sent": log.sent_count(),
        "acked": outcomes["ack"],
        "refused": outcomes["refused"],
        "lost": outcomes["lost"],
        "replayed": outcomes["replayed"],
        "errors": log.errors(),
        "delivered": delivered,
        "delivered_share": delivered / n if n else math.nan,
        "seen_of_acked": delivered / len(acked) if acked else math.nan,
        "latency_s": summary(latency, total=n),
        "ack_s": summary((log.answered[i] - log.scheduled[i] for i in acked), total=n),
        "send_lag_s": summary(t - s for t, s in zip(log.sent, log.scheduled, strict=True)),
        "probe_refresh_s": summary(probe_delays, total=len(acked) * len(fleet.probes)),
        "all_phones_refreshed_s": summary(refreshed, total=sinks),
        "projector_frames": len(frames),
        "projector_transit_ms": summary(transit),
        "version_violations": {"frames": bad_frames, "largest_shortfall": shortfall},
        "final_projector_tally": final,
        "stored": stored,
        "poll": vote.poll_id,
        "sustained": n > 0 and delivered >= 0.999 * n and p99 <= 0.25,
    }


def generator_note(result: dict[str, Any]) -> str:
    """Why the generator's own figures are suspect in this step, or "" if they are not."""
    busy = result["cpu"]["generator"]
    lag = max(result["send_lag_s"]["p99"], result["loop_lag"]["p99"])
    if busy >= GENERATOR_BUSY:
        return f"GENERATOR SATURATED (its CPU {busy:.0%})"
    if lag > GENERATOR_LAG:
        return (
            f"GENERATOR LAGGING (lag p99 {lag * 1000:.0f} ms at {busy:.0%} CPU: its core also "
            "runs Redis, PostgreSQL backends and any other process)"
        )
    return ""


def _push_frames(fleet: Fleet) -> int:
    watchers = [fleet.projector, *fleet.probes]
    return sum(s.results_frames for s in fleet.sinks) + sum(w.frames for w in watchers)


def _seen(watcher: Watcher, version: int) -> bool:
    return watcher.latest is not None and watcher.latest.version >= version


def _all_phones_seen(fleet: Fleet, version: int) -> bool:
    sinks = all(s.closed or (s.results and s.results[-1][1] >= version) for s in fleet.sinks)
    return sinks and all(p.closed or _seen(p, version) for p in fleet.probes)


async def _until(condition: Callable[[], bool], deadline: float, every: float = 0.05) -> bool:
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)
    return True


# --- a whole target --------------------------------------------------------------------------


async def run_target(
    target: Target, the_room: room.Room, options: Options, report: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Connect the projector, the probes and a first few sink phones; measure the cost of a
    vote while few phones listen; connect the other phones; measure idle cost; then climb the
    ladder once per transport."""
    fleet = await open_fleet(target, the_room, options)
    result: dict[str, Any] = {"steps": []}
    steps = itertools.count(1)
    try:
        sinks = options.phones - options.probes
        first = min(max(options.cost_phones - options.probes, 1), sinks)
        wave = await add_sinks(fleet, target, the_room, options, range(first))
        if options.cost_rate:
            result["idle_cpu_few"] = await idle_cpu(target)
            cost = await measured_step(
                target, the_room, fleet, options, "socket", options.cost_rate, steps, None, report,
                phase=f"vote cost, {len(fleet.sinks) + len(fleet.probes)} phones",
            )  # fmt: skip
            result["cost_step"] = cost
        rest = await add_sinks(fleet, target, the_room, options, range(first, sinks))
        connect = {
            "sinks_connected": wave["sinks_connected"] + rest["sinks_connected"],
            "not_connected": wave["not_connected"] + rest["not_connected"],
            "probes_connected": len(fleet.probes),
            "connect_seconds": wave["connect_seconds"] + rest["connect_seconds"],
            "failures": dict(Counter(wave["failures"]) + Counter(rest["failures"])),
        }
        connect["connects_per_second"] = connect["sinks_connected"] / connect["connect_seconds"]
        result["connect"] = connect
        report({"event": "connected", **connect})
        result["idle_cpu"] = await idle_cpu(target)
        for transport in target.transports:
            voter = None
            if transport == "http":
                voter = HttpVoter(target, the_room, options)
            elif transport == "upvotes-http":
                voter = HttpVoter(target, the_room, options, path="questions/upvote/")
            try:
                for rate in options.rates:
                    step = await measured_step(
                        target, the_room, fleet, options, transport, rate, steps, voter, report
                    )
                    result["steps"].append(step)
                    if not step["sustained"] and not options.full_ladder:
                        break
            finally:
                following(fleet, "results")
                if voter is not None:
                    await voter.close()
        result["closed_sockets"] = fleet.closed()
        result["close_codes"] = fleet.close_codes()
        result["peak_rss_mb"] = [procs.peak_rss_mb(pid) for pid in target.server_pids]
    finally:
        await close_fleet(fleet)
        with contextlib.suppress(Exception):
            await orm(room.close_connections)
    return result


async def idle_cpu(target: Target, seconds: float = 2.0) -> dict[str, Any]:
    """What the processes use with every socket open and nothing happening."""
    await wait_quiet(target, 30)
    start = CpuMark.take(target)
    await asyncio.sleep(seconds)
    return CpuMark.take(target).shares_since(start)


async def measured_step(
    target: Target,
    the_room: room.Room,
    fleet: Fleet,
    options: Options,
    transport: str,
    rate: int,
    steps: Iterator[int],
    voter: HttpVoter | None,
    report: Callable[[dict[str, Any]], None],
    phase: str = "ladder",
) -> dict[str, Any]:
    """One step, once the machine is quiet; tried again if it failed while other processes
    were using the machine."""
    for attempt in range(DISTURBED_ATTEMPTS):
        quiet = await wait_quiet(target, options.quiet_within)
        if not quiet["quiet"]:
            report({"event": "not quiet", **quiet})
        step = await run_step(target, the_room, fleet, options, transport, rate, next(steps), voter)
        step.update(quiet_before=quiet, attempt=attempt + 1, phase=phase)
        report({"event": "step", **step})
        if step["sustained"] or not step["disturbed"]:
            break
    return step
