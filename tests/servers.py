"""Real server processes for end-to-end tests: daphne (as production runs it) and Redis."""

from __future__ import annotations

import os
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
        return s.getsockname()[1]


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


class Daphne:
    """One daphne process serving facilitate.asgi on a free port of 127.0.0.1."""

    def __init__(self, extra_env: dict[str, str] | None = None, port: int | None = None) -> None:
        """Runs with this test run's database; with Redis too when REDIS_URL is set (the
        production configuration), under a channel prefix of its own."""
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
            **(extra_env or {}),
        }
        self.log_path = Path(tempfile.gettempdir()) / f"daphne-{uuid.uuid4().hex[:12]}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Daphne:
        command = [
            sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
            "facilitate.asgi:application",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
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

    def __exit__(self, *exc) -> None:
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
