"""The reconnect storm: a room of phones held by one daphne process, which is then killed
and started again; every phone reconnects as the page does, and the storm lasts until every
phone is back with the current state.

Before the kill it measures what holding the room costs: the phones' connect time (each with
its snapshot), the server's RSS with every phone held, and (with a rate) one ladder step with
every phone held, for the projector's p99.

A phone reconnects like `sessions/static/workshops/live.js` with htmx's ws extension: after an
abnormal close (1006, which is what a killed server gives) the extension waits
`backoff(retries)` and opens a new socket, `retries` counting from 0 and reset on open;
`backoff(n)` is capped at 10 s, jittered: between half and all of `min(10 s, 500 ms * 2^n)`.
Meanwhile it sends the page's heartbeat and gives the socket up as the page does (see
`heartbeat_until_ready`). A phone is back when its new socket has delivered its snapshot
(the first frame), which the server renders from the database at connect time: it is
current when its highest `data-version` is at least the projector's version before the kill.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import load, procs, report, room
from bench.clients import SinkPhone, Watcher
from bench.measure import summary

BACKOFF_BASE = 0.5
BACKOFF_CAP = 10.0
# A browser gives up a TCP connect after a long while, and daphne itself rejects (403) a
# socket the application has not accepted within 5 s. Once open, live.js sends a ping every
# HEARTBEAT_S and replaces a socket whose server has sent nothing for HEARTBEAT_TIMEOUT_S
# after a ping: a phone waiting for its snapshot keeps its socket while its pings are
# answered. The projector here gives up on a socket without its snapshot within
# FIRST_FRAME_TIMEOUT (its pings are not modelled).
TCP_CONNECT_TIMEOUT = 30.0
HANDSHAKE_TIMEOUT = 30.0
HEARTBEAT_S = 4.0
HEARTBEAT_TIMEOUT_S = 4.0
FIRST_FRAME_TIMEOUT = 8.0


def backoff(attempt: int) -> float:
    """live.js's `backoff(attempt)`, in seconds."""
    cap = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
    return cap / 2 + random.random() * (cap / 2)


def run_storm(
    args: argparse.Namespace,
    env: dict[str, str],
    redis: procs.Redis,
    postmaster: int | None,
    log_dir: Path,
    label: str,
) -> dict[str, Any]:
    """One daphne process with `args.storm` phones: hold them, then kill and restart it."""
    cores = procs.Cores.plan(args.two_process_cores, 1)
    server = procs.daphne(procs.free_port(), env, cores.server if cores.pinned else None, log_dir)
    print(
        f"\n== reconnect storm: {args.storm} phones on one daphne process; {cores.describe(1)}",
        flush=True,
    )
    try:
        server.start()
        server.wait_ready("/join")
        the_room = room.make_room(args.storm, f"{label} storm")
        room.close_connections()
        target = load.Target(
            name="app, 1 process (storm)",
            kind="app",
            ports=[server.port],
            server_pids=[server.pid],
            redis_pid=redis.pid,
            postmaster=postmaster,
            transports=["socket"],
        )
        result = asyncio.run(storm(args, server, target, the_room))
    finally:
        server.stop()
    result["server_log"] = str(server.log_path)
    result["server_log_problems"] = server.log_problems()
    print(f"  server log: {result['server_log_problems'] or 'no warnings or errors'}", flush=True)
    return result


async def storm(
    args: argparse.Namespace, server: procs.Server, target: load.Target, the_room: room.Room
) -> dict[str, Any]:
    options = load.Options(
        phones=args.storm,
        probes=0,
        rates=[args.storm_rate] if args.storm_rate else [],
        seconds=args.seconds,
        connect_concurrency=args.connect_concurrency,
        http_connections=args.http_connections,
    )
    result: dict[str, Any] = {"phones": args.storm}
    fleet = await load.open_fleet(target, the_room, options)
    try:
        connect = await load.add_sinks(fleet, target, the_room, options, range(args.storm))
        result["connect"] = connect
        print(
            f"  {connect['sinks_connected']} of {args.storm} phones connected, each with its "
            f"snapshot, in {connect['connect_seconds']:.1f} s "
            f"({connect['connects_per_second']:.0f}/s); failed attempts: "
            f"{connect['failures'] or 'none'}",
            flush=True,
        )
        result["idle_cpu"] = await load.idle_cpu(target)
        held = {
            "rss_mb": procs.rss_mb(server.pid),
            "peak_rss_mb": procs.peak_rss_mb(server.pid),
            "server_cpu_idle": result["idle_cpu"]["servers"][0],
        }
        result["held"] = held
        print(
            f"  server with {len(fleet.sinks)} phones held, idle: RSS {held['rss_mb']:.0f} MB "
            f"(high-water mark {held['peak_rss_mb']:.0f} MB), CPU "
            f"{report.pct(held['server_cpu_idle'])}",
            flush=True,
        )
        if args.storm_rate:
            step = await load.measured_step(
                target, the_room, fleet, options, "socket", args.storm_rate, itertools.count(1),
                None, report.live, phase=f"{len(fleet.sinks)} phones held",
            )  # fmt: skip
            result["step"] = step
            print(
                f"  with {len(fleet.sinks)} phones held, {args.storm_rate} votes/s: projector "
                f"p99 {report.ms(step['latency_s']['p99'])} (p50 "
                f"{report.ms(step['latency_s']['p50'])}), saw "
                f"{report.pct(step['delivered_share'], 2)}; server peak RSS "
                f"{max(step['peak_rss_mb']):.0f} MB",
                flush=True,
            )
        result["storm"] = await kill_and_restart(args, server, target, the_room, fleet)
    finally:
        await load.close_fleet(fleet)
        await load.orm(room.close_connections)
    result["peak_rss_mb"] = procs.peak_rss_mb(server.pid)
    return result


async def kill_and_restart(
    args: argparse.Namespace,
    server: procs.Server,
    target: load.Target,
    the_room: room.Room,
    fleet: load.Fleet,
) -> dict[str, Any]:
    """Kill the server (SIGKILL), start it again on the same port, and time the phones'
    return. Times count from the kill."""
    latest = fleet.projector.latest
    version = latest.version if latest is not None else 0
    sinks = list(fleet.sinks)
    path = f"/ws/phone/{the_room.workshop_id}/"
    port = server.port
    failures: Counter[str] = Counter()
    assert server.process is not None
    killed_pid = server.pid

    killed = time.monotonic()
    server.process.kill()
    server.process.wait()
    server.start()
    deadline = killed + args.storm_within

    async def ready() -> float:
        await asyncio.to_thread(server.wait_ready, "/join", args.storm_within)
        return time.monotonic() - killed

    async def phone_back(sink: SinkPhone, cookie: str) -> tuple[float, int, SinkPhone] | None:
        try:
            await asyncio.wait_for(sink.gone, 10)
        except TimeoutError:
            failures["socket not closed by the kill within 10 s"] += 1
            return None
        for attempt in itertools.count():
            await asyncio.sleep(backoff(attempt))
            if time.monotonic() >= deadline:
                return None
            try:
                async with asyncio.timeout_at(deadline):  # the loop's clock is time.monotonic()
                    phone = await reopen(port, path, cookie)
            except (OSError, TimeoutError) as error:
                if time.monotonic() >= deadline:
                    return None
                failures[f"{type(error).__name__}: {error}"[:80]] += 1
                continue
            return time.monotonic() - killed, attempt + 1, phone
        return None  # pragma: no cover - count() never ends

    async def projector_back() -> float | None:
        old = fleet.projector
        with_timeout = min(FIRST_FRAME_TIMEOUT, max(deadline - time.monotonic(), 1))
        for attempt in itertools.count():
            await asyncio.sleep(backoff(attempt))
            if time.monotonic() >= deadline:
                return None
            watcher = Watcher(old.url, old.headers)
            try:
                await watcher.start(with_timeout)
            except Exception as error:  # refused, 403, timeout: all retried
                failures[f"projector: {type(error).__name__}"] += 1
                continue
            fleet.projector = watcher
            return time.monotonic() - killed
        return None  # pragma: no cover

    print(
        f"  killed the server (pid {killed_pid}) holding {len(sinks)} phones and the projector; "
        f"started it again (pid {server.pid}); the phones reconnect with live.js's backoff",
        flush=True,
    )
    ready_task = asyncio.create_task(ready())
    projector_task = asyncio.create_task(projector_back())
    backs = await asyncio.gather(
        *(phone_back(sink, cookie) for sink, cookie in zip(sinks, fleet.cookies, strict=True))
    )
    server_ready = await ready_task
    projector_s = await projector_task
    for i, back in enumerate(backs):
        if back is not None:
            fleet.sinks[i] = back[2]
    times = [b[0] for b in backs if b is not None]
    attempts = Counter(b[1] for b in backs if b is not None)
    stale = sum(
        1
        for b in backs
        if b is not None and (b[2].snapshot_version is None or b[2].snapshot_version < version)
    )
    back_count = len(times)
    outcome = {
        "phones": len(sinks),
        "back": back_count,
        "not_back": len(sinks) - back_count,
        "stale_snapshots": stale,
        "version_before": version,
        "server_ready_s": server_ready,
        "projector_back_s": projector_s,
        "all_back_s": max(times) if back_count == len(sinks) and times else math.inf,
        "back_s": summary(times, total=len(sinks)),
        "attempts": dict(sorted(attempts.items())),
        "failures": dict(failures.most_common()),
        "rss_after_mb": procs.rss_mb(server.pid),
        "within_s": args.storm_within,
    }
    print(storm_lines(outcome), flush=True)
    return outcome


async def reopen(port: int, path: str, cookie: str) -> SinkPhone:
    """A phone's new socket, given up as the page would (see the timeouts above); returns
    once the snapshot has arrived."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(TCP_CONNECT_TIMEOUT):
            _, phone = await loop.create_connection(
                lambda: SinkPhone(port, path, cookie), "127.0.0.1", port
            )
    except TimeoutError:
        raise TimeoutError(f"no TCP connection within {TCP_CONNECT_TIMEOUT:.0f} s") from None
    stage = f"no 101 answer within {HANDSHAKE_TIMEOUT:.0f} s"
    try:
        async with asyncio.timeout(HANDSHAKE_TIMEOUT):
            await phone.opened
        stage = f"open, but no answer to a ping within {HEARTBEAT_TIMEOUT_S:.0f} s"
        await heartbeat_until_ready(phone)
    except TimeoutError:
        phone.close()
        raise TimeoutError(stage) from None
    except BaseException:
        phone.close()
        raise
    return phone


async def heartbeat_until_ready(phone: SinkPhone) -> None:
    """Wait for the snapshot as live.js does: a ping every HEARTBEAT_S, and TimeoutError once
    HEARTBEAT_TIMEOUT_S pass after a ping with nothing from the server."""
    while True:
        try:
            async with asyncio.timeout(HEARTBEAT_S):
                await asyncio.shield(phone.ready)
                return
        except TimeoutError:
            pass
        pinged = time.monotonic()
        phone.ping()
        try:
            async with asyncio.timeout(HEARTBEAT_TIMEOUT_S):
                await asyncio.shield(phone.ready)
                return
        except TimeoutError:
            if phone.answered_at < pinged:
                raise


def storm_lines(storm: dict[str, Any]) -> str:
    back = storm["back_s"]
    every = (
        f"every phone back with the current state in {report.sec(storm['all_back_s'])}"
        if storm["not_back"] == 0 and storm["stale_snapshots"] == 0
        else f"{storm['not_back']} phone(s) not back within {storm['within_s']:.0f} s, "
        f"{storm['stale_snapshots']} back with a stale snapshot"
    )
    return "\n".join(
        [
            f"  storm: {every} (from the kill); server answering HTTP after "
            f"{report.sec(storm['server_ready_s'])}; projector back after "
            f"{report.sec(storm['projector_back_s'])}",
            f"         phones back p50 {report.sec(back['p50'])} p95 {report.sec(back['p95'])} "
            f"p99 {report.sec(back['p99'])} max {report.sec(back['max'])}; "
            f"{storm['back']} of {storm['phones']} back; attempts needed {storm['attempts']}",
            f"         failed attempts: {storm['failures'] or 'none'}; server RSS after "
            f"{storm['rss_after_mb']:.0f} MB",
        ]
    )
