"""The processes of a benchmark run: Redis, PostgreSQL's database, daphne, the bare server,
CPU pinning, file-descriptor limits, and CPU/memory figures read from /proc."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/facilitate_bench"
CORES = sorted(os.sched_getaffinity(0))  # read before the generator pins itself

__all__ = ["free_port"]


# --- cores and limits ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cores:
    """Which cores the servers get and which the generator (and Redis) get."""

    server: str  # a taskset list, such as "0" or "0,1"
    generator: set[int]
    pinned: bool

    @classmethod
    def plan(cls, two_process_cores: str, processes: int) -> Cores:
        cores = CORES
        if len(cores) < 2:
            return cls(server=",".join(map(str, cores)), generator=set(cores), pinned=False)
        server = str(cores[0]) if processes == 1 else two_process_cores
        return cls(server=server, generator={cores[1]}, pinned=True)

    def describe(self, processes: int) -> str:
        if not self.pinned:
            return "not pinned (fewer than 2 cores)"
        generator = ",".join(map(str, sorted(self.generator)))
        return (
            f"server process{'es' if processes > 1 else ''} on core(s) {self.server}; "
            f"generator and Redis on core {generator}; PostgreSQL not pinned"
        )


def generator_core() -> set[int]:
    return {CORES[1]} if len(CORES) >= 2 else set(CORES)


def pin_self(cores: set[int]) -> None:
    os.sched_setaffinity(0, cores)


def raise_open_files(needed: int) -> int:
    """Raise this process's (and so its children's) open-file limit to at least `needed`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if needed > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return needed
        except (ValueError, OSError):
            print(f"warning: open-file limit is {hard}; {needed} wanted", file=sys.stderr)
    target = max(soft, min(needed, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


# --- Redis and PostgreSQL -----------------------------------------------------------------------


class Redis:
    """REDIS_URL if set, else a throwaway redis-server on a free port (nothing on disk)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.url = os.environ.get("REDIS_URL", "")
        if self.url:
            return
        executable = shutil.which("redis-server")
        if executable is None:
            raise SystemExit("REDIS_URL is not set and redis-server is not installed.")
        port = free_port()
        self.url = f"redis://127.0.0.1:{port}/0"
        command = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--maxclients", "20000"]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(port, self.process, "redis-server")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        stop_process(self.process)


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], name: str, within: float = 15
) -> None:
    import socket

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{name} did not listen on port {port} within {within} s")


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {parts.scheme}://...")
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def collect_static(env: dict[str, str]) -> None:
    """The hashed static files and their manifest, which pages need with DEBUG off."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


# --- servers -----------------------------------------------------------------------------------


@dataclass
class Server:
    """One server process (daphne or the bare server) pinned with taskset, logging to a file."""

    name: str
    command: list[str]
    port: int
    env: dict[str, str]
    cores: str | None
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> Server:
        command = self.command
        if self.cores is not None and shutil.which("taskset"):
            command = ["taskset", "-c", self.cores, *command]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def wait_ready(self, path: str, within: float = 60) -> None:
        assert self.process is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{self.log_tail()}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start within {within} s:\n{self.log_tail()}")

    def stop(self) -> None:
        stop_process(self.process)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> dict[str, int]:
        """Counts of warning/error lines and tracebacks in the server's log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        counts: dict[str, int] = {}
        for line in text.splitlines():
            for word in ("Traceback", "ERROR", "WARNING", "CRITICAL"):
                if word in line:
                    counts[word] = counts.get(word, 0) + 1
        return counts


# With this set, each daphne runs under cProfile and leaves its statistics in that folder.
PROFILE_DIR = "BENCH_PROFILE_DIR"


def daphne(port: int, env: dict[str, str], cores: str | None, log_dir: Path) -> Server:
    # As the README runs it: a listen queue that holds a room reconnecting at once.
    endpoint = f"tcp:port={port}:interface=127.0.0.1:backlog=4096"
    command = [sys.executable, "-m", "daphne", "-e", endpoint, "facilitate.asgi:application"]
    profile_dir = os.environ.get(PROFILE_DIR)
    if profile_dir:  # `bench.run --profile DIR`: the event loop's thread, under cProfile
        out = str(Path(profile_dir) / f"daphne-{port}.pstats")
        command[1:3] = ["-m", "bench.profiled_daphne", out]
    log_path = log_dir / f"daphne-{port}.log"
    return Server(f"daphne:{port}", command, port, env, cores, log_path)


def bare_server(port: int, cores: str | None, log_dir: Path) -> Server:
    command = [sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_path = log_dir / f"bare-{port}.log"
    return Server(f"bare:{port}", command, port, env, cores, log_path)


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- /proc ---------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat from the third on (state, ppid, ...)."""
    return _stat_fields_path(Path(f"/proc/{pid}/stat"))


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """CPU time of a process, all threads; with `children`, plus its reaped children's.

    Live threads are read from schedstat (nanoseconds); threads that have exited (such as
    Django's per-request threads) only from the process's tick counts, by difference."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    live_ticks, live_seconds = 0, 0.0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        tasks = []
    for task in tasks:
        task_fields = _stat_fields_path(task / "stat")
        runtime = _runtime_seconds(task / "schedstat")
        if task_fields is None or runtime is None:
            continue
        live_ticks += int(task_fields[11]) + int(task_fields[12])
        live_seconds += runtime
    seconds = live_seconds + max(ticks - live_ticks, 0) / CLOCK_TICKS
    if children:
        seconds += (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    return seconds


def main_thread_cpu_seconds(pid: int) -> float:
    """CPU time of a process's main thread (for daphne: the event loop), without its worker
    threads (for daphne: the database thread and the others)."""
    runtime = _runtime_seconds(Path(f"/proc/{pid}/task/{pid}/schedstat"))
    return runtime if runtime is not None else 0.0


def _runtime_seconds(path: Path) -> float | None:
    try:
        return int(path.read_text().split()[0]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def _stat_fields_path(path: Path) -> list[str] | None:
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * PAGE_KB / 1024


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of the process's resident memory."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def postgres_postmaster() -> int | None:
    """The local PostgreSQL postmaster's pid (a `postgres` process whose parent is not one)."""
    comms: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        comm = text[text.find("(") + 1 : text.rfind(")")]
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        comms[int(entry.name)] = (comm, ppid)
    for pid, (comm, ppid) in comms.items():
        if comm == "postgres" and comms.get(ppid, ("", 0))[0] != "postgres":
            return pid
    return None


def postgres_cpu_seconds(postmaster: int) -> float:
    """CPU of the whole PostgreSQL server: the postmaster with its reaped children (backends
    that have exited) plus its live children."""
    total = cpu_seconds(postmaster, children=True)
    try:
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(cpu_seconds(int(pid)) for pid in children)


def machine_busy(seconds: float = 2.0) -> float:
    """How many cores' worth of CPU the whole machine used over the next `seconds`."""
    before = core_busy_seconds()
    time.sleep(seconds)
    after = core_busy_seconds()
    return sum(after[c] - before.get(c, 0) for c in after) / seconds


def code_version() -> dict[str, Any]:
    """The commit measured and any uncommitted changes to the app's code."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = git("status", "--porcelain", "--", "sessions", "facilitate", "templates")
    return {
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "uncommitted_app_changes": changed.splitlines(),
    }


def core_busy_seconds() -> dict[int, float]:
    """Busy (non-idle) seconds of each core since boot, from /proc/stat."""
    busy: dict[int, float] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            ticks = [int(v) for v in values]
            idle = ticks[3] + ticks[4]  # idle + iowait
            busy[int(name[3:])] = (sum(ticks[:8]) - idle) / CLOCK_TICKS
    return busy
