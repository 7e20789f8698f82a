"""Real server processes for end-to-end tests: daphne (as production runs it) and Redis."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_database_url() -> str:
    """The URL of the database pytest-django created, for server processes to share."""
    db = connections["default"].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or ""
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    if auth:
        auth += "@"
    return f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@functools.cache
def collected_static_root() -> Path:
    """collectstatic into a temporary STATIC_ROOT, once per test run and removed at its end:
    servers run with DEBUG off, as production does, so their pages name the files by the
    hashes of the manifest and need it (the test process itself renders with plain names,
    see conftest)."""
    root = Path(tempfile.mkdtemp(prefix="static-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "STATIC_ROOT": str(root), "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{done.stderr}")
    return root


class Daphne:
    """One daphne process serving facilitate.asgi on a free port of 127.0.0.1."""

    def __init__(
        self,
        extra_env: dict[str, str] | None = None,
        port: int | None = None,
        access_log: bool = False,
    ) -> None:
        """Runs with this test run's database; with Redis too when REDIS_URL is set (the
        production configuration), under a channel prefix of its own. `access_log` keeps
        daphne's access log (requests and socket connects) in `access_log_path`."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
            "STATIC_ROOT": str(collected_static_root()),
            **(extra_env or {}),
        }
        self.log_path = Path(tempfile.gettempdir()) / f"daphne-{uuid.uuid4().hex[:12]}.log"
        self.access_log_path = self.log_path.with_suffix(".access.log") if access_log else None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Daphne:
        return self.launch().wait_ready()

    def launch(self) -> Daphne:
        """Start the process without waiting for it to answer (see `wait_ready`)."""
        command = [
            sys.executable, "-m", "daphne",
            "-e", f"tcp:port={self.port}:interface=127.0.0.1:backlog=4096",
            "facilitate.asgi:application",
        ]  # fmt: skip
        if self.access_log_path:
            command += ["--access-log", str(self.access_log_path)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def access_log(self) -> str:
        if self.access_log_path is None or not self.access_log_path.exists():
            return ""
        return self.access_log_path.read_text(errors="replace")

    def wait_ready(self) -> Daphne:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.output()}")
            try:
                httpx.get(f"{self.url}/join", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not start:\n{self.output()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> Daphne:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RedisServer:
    """A throwaway redis-server on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError(
                "redis-server is not installed and REDIS_URL is not set: "
                "the multi-process tests need Redis."
            )
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def nginx_executable() -> str | None:
    """Debian installs nginx in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_nginx_site(port: int, upstream_ports: list[int], static_root: Path) -> str:
    """deploy/nginx.conf as shipped, pointed at this port, these daphnes and this static root."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstream_ports)
    upstream = re.compile(r"(    least_conn;\n)(    server [^\n]*\n)+")
    replacements = [
        (upstream, rf"\g<1>{servers}"),
        (re.compile(r"^    listen 80;$", re.M), f"    listen 127.0.0.1:{port};"),
        (re.compile(r"alias /srv/facilitate/static/;"), f"alias {static_root}/;"),
    ]
    for pattern, replacement in replacements:
        site, found = pattern.subn(replacement, site)
        assert found == 1, f"deploy/nginx.conf no longer has {pattern.pattern!r}"
    return site


class Nginx:
    """nginx in the foreground on a free port of 127.0.0.1, serving deploy/nginx.conf in front
    of the given daphne processes, with every file it writes in a temporary folder."""

    MAIN = """worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/facilitate.conf;
}}
"""

    def __init__(self, executable: str, upstreams: list[Daphne], static_root: Path) -> None:
        self.executable = executable
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="nginx-"))
        self.dir.chmod(0o755)  # workers run as an unprivileged user when started by root
        site = render_nginx_site(self.port, [d.port for d in upstreams], static_root)
        (self.dir / "facilitate.conf").write_text(site)
        (self.dir / "nginx.conf").write_text(self.MAIN.format(d=self.dir))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        command = [
            self.executable, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
            "-e", str(self.dir / "error.log"), "-g", "daemon off;",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start:\n{self.output()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def output(self) -> str:
        log = self.dir / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
