"""Benchmark facilitate as production runs it: daphne (1 or more processes), Redis, PostgreSQL.

    .venv/bin/python -m bench.run [--phones 1000] [--processes 1,2]
                                  [--transports socket,http,upvotes]
                                  [--rates 250,500,1000,2000] [--seconds 8] [--repeat 1]

For each server configuration it connects the phones and the projector, then climbs a ladder
of open-loop vote rates per transport, printing each step; then it runs the same socket
protocol against a bare `websockets` server (bench/bare_server.py) and prints our figures as
a share of it. Raw figures go to bench/results/<timestamp>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import platform
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from bench import cloud, embedded, load, procs, report, room, storm

RESULTS = procs.ROOT / "bench" / "results"
QUIET_MACHINE = 0.2  # cores busy before the run above which the machine is not quiet


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    def numbers(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part.strip()]

    def words(text: str) -> list[str]:
        chosen = [part.strip() for part in text.split(",") if part.strip()]
        unknown = set(chosen) - {"socket", "http", "upvotes", "upvotes-http"}
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown transport(s): {', '.join(unknown)}")
        return chosen

    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--phones", type=int, default=1000, help="phones per configuration")
    parser.add_argument("--probes", type=int, default=20, help="of which fully parsing probes")
    parser.add_argument("--processes", type=numbers, default=[1, 2], help="e.g. 1,2")
    parser.add_argument(
        "--transports",
        type=words,
        default=["socket", "http", "upvotes"],
        help="socket, http (votes), upvotes (the Q&A's upvotes over the phone's socket), "
        "upvotes-http (the same as the form's POST)",
    )
    parser.add_argument(
        "--rates", type=numbers, default=[10, 25, 50, 100, 250, 500, 1000, 2000], help="votes/s"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="per ladder step")
    parser.add_argument("--repeat", type=int, default=1, help="runs of everything; medians")
    parser.add_argument("--full-ladder", action="store_true", help="go on after a failed step")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare server")
    parser.add_argument(
        "--two-process-cores",
        default="0",
        help="taskset cores for 2+ server processes (default 0: the same core as one process;"
        " 0,1 spreads them over both cores, sharing core 1 with the generator)",
    )
    parser.add_argument(
        "--db-conn-max-age",
        default=os.environ.get("DB_CONN_MAX_AGE", ""),
        help="DB_CONN_MAX_AGE for the servers (default: unset, the app's own default)",
    )
    parser.add_argument(
        "--wait-for-quiet",
        type=float,
        default=120,
        help="seconds to wait at the start for other processes to go quiet",
    )
    parser.add_argument("--http-connections", type=int, default=256)
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="phones connecting at once"
    )
    parser.add_argument("--output", type=Path, default=None, help="raw JSON path")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="run each daphne under cProfile (its event loop's thread: the fan-out, the "
        "sockets' messages) and leave daphne-PORT.pstats in DIR; slows the server down",
    )
    storm_group = parser.add_argument_group(
        "reconnect storm", "one daphne process holding N phones is killed and started again"
    )
    storm_group.add_argument(
        "--storm",
        type=int,
        nargs="?",
        const=5000,
        default=0,
        metavar="N",
        help="after the ladders, a reconnect storm with N phones (5000 if N is left out)",
    )
    storm_group.add_argument(
        "--storm-rate",
        type=int,
        default=250,
        help="votes/s of the step run with every storm phone held (0: skip it)",
    )
    storm_group.add_argument(
        "--storm-within", type=float, default=300, help="seconds to wait for every phone back"
    )
    parser.add_argument(
        "--no-ladder",
        action="store_true",
        help="skip the ladders (app and bare server); with --storm, only the storm runs",
    )
    embedded_group = parser.add_argument_group(
        "embedded default",
        "one daphne process with SQLite and the in-memory channel layer (no PostgreSQL, no"
        " Redis); replaces the production configurations",
    )
    embedded_group.add_argument("--embedded", action="store_true", help="run it")
    embedded_group.add_argument(
        "--embedded-phones", type=int, default=300, help="phones tapping open loop"
    )
    embedded_group.add_argument(
        "--embedded-rate", type=int, default=100, help="their taps/s, all together"
    )
    embedded_group.add_argument("--embedded-seconds", type=float, default=10.0)
    embedded_group.add_argument(
        "--embedded-tappers", type=int, default=50, help="phones tapping back to back"
    )
    args = parser.parse_args(argv)
    if args.probes >= args.phones:
        parser.error("--probes must be fewer than --phones")
    if args.storm < 0 or (args.storm and args.storm < 2):
        parser.error("--storm needs at least 2 phones")
    if args.embedded and (
        args.embedded_phones < 1
        or args.embedded_tappers < 0
        or args.embedded_rate < 1
        or args.embedded_seconds <= 0
    ):
        parser.error("--embedded needs at least one phone, a positive rate and seconds")
    return args


def server_env(args: argparse.Namespace, redis_url: str, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "facilitate.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHANNEL_LAYER_PREFIX": f"bench-{secrets.token_hex(6)}",
        "PYTHONUNBUFFERED": "1",
    }
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        env[procs.PROFILE_DIR] = str(args.profile.resolve())
    if args.db_conn_max_age:
        env["DB_CONN_MAX_AGE"] = str(args.db_conn_max_age)
    else:
        env.pop("DB_CONN_MAX_AGE", None)
    return env


def run_app(
    args: argparse.Namespace,
    processes: int,
    env: dict[str, str],
    redis: procs.Redis,
    postmaster: int | None,
    log_dir: Path,
    label: str,
) -> dict[str, Any]:
    cores = procs.Cores.plan(args.two_process_cores, processes)
    servers = [
        procs.daphne(procs.free_port(), env, cores.server if cores.pinned else None, log_dir)
        for _ in range(processes)
    ]
    name = f"app, {processes} process{'es' if processes > 1 else ''}"
    print(f"\n== {name}: {cores.describe(processes)}", flush=True)
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready("/join")
        the_room = room.make_room(args.phones, label)
        room.close_connections()
        target = load.Target(
            name=name,
            kind="app",
            ports=[s.port for s in servers],
            server_pids=[s.pid for s in servers],
            redis_pid=redis.pid,
            postmaster=postmaster,
            transports=args.transports,
        )
        result = asyncio.run(load.run_target(target, the_room, load_options(args), report.live))
    finally:
        for server in servers:
            server.stop()
    problems = [s.log_problems() for s in servers]
    return {
        "name": name,
        "kind": "app",
        "processes": processes,
        "pinning": cores.describe(processes),
        "server_logs": [str(s.log_path) for s in servers],
        "server_log_problems": problems,
        **result,
    }


def run_bare(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    cores = procs.Cores.plan(args.two_process_cores, 1)
    server = procs.bare_server(procs.free_port(), cores.server if cores.pinned else None, log_dir)
    name = "bare websockets server"
    print(f"\n== {name}: {cores.describe(1)}", flush=True)
    try:
        server.start()
        server.wait_ready("/health")
        target = load.Target(name=name, kind="bare", ports=[server.port], server_pids=[server.pid])
        the_room = room.bare_room(args.phones)
        result = asyncio.run(load.run_target(target, the_room, load_options(args), report.live))
    finally:
        server.stop()
    return {
        "name": name,
        "kind": "bare",
        "processes": 1,
        "pinning": cores.describe(1),
        "server_logs": [str(server.log_path)],
        "server_log_problems": [server.log_problems()],
        **result,
    }


def load_options(args: argparse.Namespace) -> load.Options:
    return load.Options(
        phones=args.phones,
        probes=args.probes,
        rates=args.rates,
        seconds=args.seconds,
        connect_concurrency=args.connect_concurrency,
        http_connections=args.http_connections,
        full_ladder=args.full_ladder,
    )


def clean(value: Any) -> Any:
    """JSON without NaN or Infinity (written as null and "inf")."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return "inf" if math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    log_dir = RESULTS / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    output = args.output or RESULTS / f"{stamp}.json"
    if args.embedded:
        return main_embedded(args, stamp, output)

    procs.raise_open_files(2 * max(args.phones, args.storm) + 1024)
    procs.pin_self(procs.generator_core())  # Redis, started next, inherits this core
    redis = procs.Redis()
    try:
        database_url = procs.database_url()
        procs.ensure_database(database_url)
        env = server_env(args, redis.url, database_url)
        procs.migrate(env)
        procs.collect_static(env)
        room.setup_django(env)
        host = database_url.split("@")[-1].split("/")[0].split(":")[0]
        local = host in {"127.0.0.1", "localhost", ""}
        postmaster = procs.postgres_postmaster() if local else None
        print(
            f"facilitate benchmark {stamp}: {args.phones} phones ({args.probes} probes), "
            f"rates {args.rates} x {args.seconds:g} s, processes {args.processes}, "
            f"transports {args.transports}, repeat {args.repeat}"
            + (" (no ladder)" if args.no_ladder else "")
            + (f"; reconnect storm with {args.storm} phones" if args.storm else "")
            + "\n"
            f"database {database_url.split('@')[-1]} (DB_CONN_MAX_AGE="
            f"{env.get('DB_CONN_MAX_AGE', 'unset, the app default')}), redis {redis.url}, "
            f"logs {log_dir}",
            flush=True,
        )
        print(cloud.figure(), flush=True)
        version = procs.code_version()
        busy = procs.machine_busy()
        waited = 0.0
        while busy > QUIET_MACHINE and waited < args.wait_for_quiet:
            print(f"machine busy ({busy:.2f} cores); waiting for it to be quiet", flush=True)
            time.sleep(8)
            waited += 10
            busy = procs.machine_busy()
        print(
            f"code {version['commit']}"
            + (
                f" with uncommitted app changes: {version['uncommitted_app_changes']}"
                if version["uncommitted_app_changes"]
                else ""
            )
            + f"; machine busy before the run: {busy:.2f} cores"
            + (
                "  WARNING: other processes are running, figures will be low"
                if busy > QUIET_MACHINE
                else ""
            ),
            flush=True,
        )
        began = time.monotonic()
        runs = []
        for repeat in range(0 if args.no_ladder else args.repeat):
            targets = []
            for processes in args.processes:
                label = f"{stamp} r{repeat + 1} p{processes}"
                targets.append(run_app(args, processes, env, redis, postmaster, log_dir, label))
            if not args.no_bare:
                targets.append(run_bare(args, log_dir))
            runs.append({"repeat": repeat + 1, "targets": targets})
        storm_result = (
            storm.run_storm(args, env, redis, postmaster, log_dir, stamp) if args.storm else None
        )
        took = time.monotonic() - began
    finally:
        redis.stop()

    summary = report.final(runs, args) if runs else {"checks_passed": True}
    if storm_result is not None:
        report.storm_summary(storm_result)
    write_raw(
        output,
        stamp,
        took,
        args,
        database=database_url.split("@")[-1],
        code=version,
        machine_busy_before=busy,
        runs=runs,
        summary=summary,
        storm=storm_result,
    )
    print(f"\nraw figures: {output}  (took {took:.0f} s)")
    return 0 if summary["checks_passed"] else 1


def write_raw(
    output: Path, stamp: str, took: float, args: argparse.Namespace, **figures: Any
) -> None:
    """The run's raw figures as JSON: when, how long, the options, the machine, `figures`."""
    document = {
        "started": stamp,
        "seconds": took,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        **figures,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(clean(document), indent=1))


def main_embedded(args: argparse.Namespace, stamp: str, output: Path) -> int:
    """The embedded default (see bench/embedded.py): no PostgreSQL, no Redis."""
    procs.raise_open_files(2 * (args.embedded_phones + args.embedded_tappers) + 1024)
    procs.pin_self(procs.generator_core())
    # The embedded run's phases are votes; the upvote step is the production ladder's.
    args.transports = [t for t in args.transports if not t.startswith("upvotes")] or ["socket"]
    began = time.monotonic()
    result = embedded.run_embedded(args, RESULTS, stamp)
    took = time.monotonic() - began
    print(cloud.figure(), flush=True)  # Django is set up for the embedded server by now
    write_raw(output, stamp, took, args, code=procs.code_version(), embedded=result)
    passed = result["checks_passed"]
    print(
        f"\nchecks (acknowledged == stored == projector): {'ok' if passed else 'MISMATCH'}\n"
        f"raw figures: {output}  (took {took:.0f} s)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
