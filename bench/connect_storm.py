"""Time a room of phones connecting at once, and coming back at once, on one daphne process.

    .venv/bin/python -m bench.connect_storm --config embedded --phones 1000
    .venv/bin/python -m bench.connect_storm --config production --phones 1000

Makes a workshop of N joined delegates through the app's services, shows an open dot vote
(so every phone's first frame carries its own ballot), starts one daphne (`DEBUG=0`) and
opens N phone sockets at once (the cheap clients of `bench/clients.py`, each with its
delegate's signed cookie). A phone counts as connected when its first frame (every region,
its ballot included) has arrived. Then every socket is closed and all N reconnect at once,
as after a network blip. Prints both times and the projector's final count.

`embedded`: a throw-away SQLite file, the in-memory channel layer. `production`: PostgreSQL
(`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/facilitate_connect_bench`,
created if missing) and Redis (`REDIS_URL`, else a throw-away redis-server). Not a test; no
pass mark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import procs, room
from bench.clients import SinkPhone, open_sink
from tests.servers import free_port

COUNT = re.compile(r'data-count="(\d+)"')


def environment(config: str, redis: procs.Redis | None) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": uuid.uuid4().hex * 2}
    env |= {"ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    env["STATIC_ROOT"] = tempfile.mkdtemp(prefix="static-")
    env["CHANNEL_LAYER_PREFIX"] = f"storm-{uuid.uuid4().hex[:8]}"
    if config == "embedded":
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "storm.sqlite3")
        return env
    assert redis is not None
    url = os.environ.get("DATABASE_URL") or (
        "postgres://postgres@127.0.0.1:5432/facilitate_connect_bench"
    )
    procs.ensure_database(url)
    return env | {"DATABASE_URL": url, "REDIS_URL": redis.url}


async def storm(
    port: int, path: str, cookies: list[str], within: float
) -> tuple[float, list[SinkPhone], int]:
    """Open every phone at once: seconds until all have their frame, the phones, failures."""
    started = time.monotonic()
    opened = await asyncio.gather(
        *(open_sink(port, path, cookie, within) for cookie in cookies), return_exceptions=True
    )
    took = time.monotonic() - started
    phones = [phone for phone in opened if isinstance(phone, SinkPhone)]
    return took, phones, len(opened) - len(phones)


async def projector_count(port: int, token: str) -> int | None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    url = f"ws://127.0.0.1:{port}/ws/display/{token}/"
    try:
        async with connect(url, additional_headers={"origin": f"http://127.0.0.1:{port}"}) as ws:
            frame = await asyncio.wait_for(ws.recv(), 30)
    except (OSError, TimeoutError, WebSocketException) as error:
        print(f"projector: {error!r}")
        return None
    found = COUNT.search(str(frame))
    return int(found.group(1)) if found else None


async def run(port: int, made: room.Room, within: float) -> None:
    path = f"/ws/phone/{made.workshop_id}/"
    took, phones, failed = await storm(port, path, made.cookies, within)
    print(flush=True, end="")
    print(f"connect storm: {len(made.cookies)} phones with their frame in {took:.2f} s "
          f"({failed} failed)")  # fmt: skip
    await asyncio.sleep(2)  # the projector's count is coalesced
    print(f"projector counts {await projector_count(port, made.display_token)} present")
    for phone in phones:
        phone.close()
    await asyncio.sleep(1)
    took, phones, failed = await storm(port, path, made.cookies, within)
    print(f"reconnect storm: {len(made.cookies)} phones back with their frame in {took:.2f} s "
          f"({failed} failed)")  # fmt: skip
    for phone in phones:
        phone.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--within", type=float, default=120.0, help="per phone, in seconds")
    args = parser.parse_args()
    procs.raise_open_files(2 * args.phones + 200)
    redis = procs.Redis() if args.config == "production" else None
    server = None
    try:
        env = environment(args.config, redis)
        procs.migrate(env)
        procs.collect_static(env)
        room.setup_django(env)
        made = room.make_room(args.phones, f"storm {uuid.uuid4().hex[:6]}")
        room.open_vote(made.workshop_id, "Pick one")
        room.close_connections()
        port = free_port()
        log_dir = Path(tempfile.mkdtemp(prefix="storm-logs-"))
        server = procs.daphne(port, env, None, log_dir).start()
        server.wait_ready("/join")
        print(f"{args.config}: one daphne on port {port}, log {server.log_path}")
        asyncio.run(run(port, made, args.within))
        problems = server.log_problems()
        if problems:
            print(f"server log: {problems}")
    finally:
        if server is not None:
            server.stop()
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    main()
