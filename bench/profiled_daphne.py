"""daphne under cProfile: `python -m bench.profiled_daphne OUT.pstats <daphne arguments>`.

Profiles the event loop's thread (accepting, receiving, the fan-out of pushes, the votes'
answers sent), not the database thread; writes the statistics when daphne stops (the bench
stops its servers with SIGTERM). Used by `python -m bench.run --profile DIR`.
"""

from __future__ import annotations

import cProfile
import sys


def main() -> None:
    out, arguments = sys.argv[1], sys.argv[2:]
    from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]

    profile = cProfile.Profile()
    profile.enable()
    try:
        CommandLineInterface().run(arguments)
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
