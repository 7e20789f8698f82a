"""daphne under cProfile: `python -m bench.profiled_daphne OUT.pstats <daphne arguments>`.

Profiles the CPU time of every thread: the event loop's (accepting, receiving, the fan-out
of pushes, the votes' answers sent) into OUT.pstats, and each other thread (the database
thread's batches and frames, the Redis calls sent to threads) into
OUT-<thread name>.pstats; writes them when daphne stops (the bench stops its servers with
SIGTERM). A thread still running then has its outermost calls closed with the event loop
thread's clock: read its functions' own times, not its outermost totals. Used by
`python -m bench.run --profile DIR`.
"""

from __future__ import annotations

import cProfile
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

_threads: list[tuple[threading.Thread, cProfile.Profile]] = []


def _profile_this_thread(_frame: FrameType, _event: str, _arg: Any) -> None:
    """Installed by `threading.setprofile`: a thread's first event starts its own profile."""
    profile = cProfile.Profile(time.thread_time)
    _threads.append((threading.current_thread(), profile))
    sys.setprofile(None)
    profile.enable()


def main() -> None:
    out, arguments = sys.argv[1], sys.argv[2:]
    from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]

    threading.setprofile(_profile_this_thread)
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    try:
        CommandLineInterface().run(arguments)
    finally:
        profile.disable()
        profile.dump_stats(out)
        base = Path(out)
        for thread, other in list(_threads):
            # What the thread gathered so far (it may still run: its profile is not stopped).
            other.dump_stats(str(base.with_name(f"{base.stem}-{thread.name}{base.suffix}")))


if __name__ == "__main__":
    main()
