"""Socket votes through the batched writer against the direct path, in one process.

    .venv/bin/python -m bench.writer [--delegates 1000] [--votes 2000] [--repeat 3] [--no-ack]

No server and no sockets: on one event loop, as daphne runs a consumer's vote, `--votes`
votes from `--delegates` delegates are started at once (`asyncio.gather`) and each is
answered as the socket answers it (its ballot rendered with the ack), either

- direct: each vote its own transaction, one `database_sync_to_async` call each (the path
  socket votes took before the writer), or
- writer: through `sessions.voting.writer` (batches, one transaction and one call each).

With `--no-ack` the answer is not rendered (the write alone).

Each round opens a fresh dot vote (5 dots, at most 2 on an option; no vote is refused), runs
both paths in turn (alternating which goes first) and checks that what was acknowledged is
what is stored. The push coalescer runs on the loop as on the server, so pushes are rendered
as they would be (by the same database thread). Prints votes/s and CPU a vote (this
process, all threads; and the PostgreSQL server, whoever else uses it) per round, and the
medians. On a shared machine the CPU figures are the steadier ones.

Database: `DATABASE_URL` (PostgreSQL; default as the load bench's); channel layer: Redis
with `REDIS_URL`, else in memory. A figure, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
import uuid

from bench import procs, room


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.writer", description=__doc__)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--votes", type=int, default=2000, help="per round and path")
    parser.add_argument("--repeat", type=int, default=3, help="rounds")
    parser.add_argument("--no-ack", action="store_true", help="do not render the answers")
    return parser.parse_args()


async def run_path(
    path: str, workshop_id: int, vote: room.Vote, delegates: list[int], n: int, ack: bool
) -> tuple[float, int, int, float, float]:
    """Seconds, votes acknowledged, batches written, CPU seconds of this process and of the
    PostgreSQL server (all of it: other clients count too)."""
    from channels.db import database_sync_to_async

    from sessions.live.consumers import WorkshopConsumer
    from sessions.voting import services as voting
    from sessions.voting.forms import VoteForm
    from sessions.voting.writer import writer

    def tap(i: int) -> dict[str, object]:
        # Vote i from delegate i mod N; its k-th vote on option (i + k) mod 6: never refused.
        k = i // len(delegates)
        option = vote.option_ids[(i + k) % len(vote.option_ids)]
        return {"type": "vote", "poll": vote.poll_id, "option": option, "action": "add",
                "key": str(uuid.uuid4())}  # fmt: skip

    def consumer(delegate: int) -> tuple[WorkshopConsumer, int]:
        socket = WorkshopConsumer()
        socket.workshop_id, socket.delegate_id = workshop_id, delegate
        return socket, delegate

    def direct(socket: WorkshopConsumer, delegate: int, form: VoteForm) -> str:
        outcome = voting.cast(workshop_id=workshop_id, delegate_id=delegate, **form.command())
        return socket.ack(form, delegate, outcome) if ack else 'data-ack="'

    async def one(i: int) -> str:
        socket, delegate = consumer(delegates[i % len(delegates)])
        if path == "writer" and ack:
            return await socket.vote(tap(i), delegate)
        form = VoteForm(tap(i))
        assert form.is_valid()
        if path == "writer":
            await writer.cast(workshop_id=workshop_id, delegate_id=delegate, **form.command())
            return 'data-ack="'
        return await database_sync_to_async(direct)(socket, delegate, form)

    postmaster = procs.postgres_postmaster()
    batches = writer.batches
    pg_before = procs.postgres_cpu_seconds(postmaster) if postmaster else 0.0
    cpu_before, start = time.process_time(), time.perf_counter()
    answers = await asyncio.gather(*(one(i) for i in range(n)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_before
    pg = (procs.postgres_cpu_seconds(postmaster) - pg_before) if postmaster else 0.0
    acked = sum('data-ack="' in answer for answer in answers)
    return elapsed, acked, writer.batches - batches, cpu, pg


async def main() -> None:
    args = parse_args()
    from channels.db import database_sync_to_async

    from sessions.live.broadcast import coalescer
    from sessions.models import Attendance

    coalescer.attach(asyncio.get_running_loop())
    made = await asyncio.to_thread(room.make_room, args.delegates, "writer")
    delegates = await asyncio.to_thread(
        lambda: list(
            Attendance.objects.filter(workshop_id=made.workshop_id)
            .order_by("delegate_id")
            .values_list("delegate_id", flat=True)
        )
    )
    figures: dict[str, list[float]] = {"direct": [], "writer": []}
    cpu_ms: dict[str, list[float]] = {"direct": [], "writer": []}
    for round_ in range(args.repeat):
        order = ("direct", "writer") if round_ % 2 == 0 else ("writer", "direct")
        for path in order:
            vote = await database_sync_to_async(room.open_vote)(
                made.workshop_id, f"{path} {round_}"
            )
            await asyncio.sleep(1.5)  # the pushes of opening it are out of the way
            elapsed, acked, batches, cpu, pg = await run_path(
                path, made.workshop_id, vote, delegates, args.votes, not args.no_ack
            )
            stored = await database_sync_to_async(room.stored_votes)(vote.poll_id)
            rate = args.votes / elapsed
            figures[path].append(rate)
            cpu_ms[path].append(cpu * 1000 / args.votes)
            extra = f", {batches} batches (mean {args.votes / batches:.0f})" if batches else ""
            print(
                f"round {round_ + 1} {path:6}: {args.votes} votes in {elapsed:.2f} s = "
                f"{rate:.0f} votes/s; CPU a vote {cpu * 1000 / args.votes:.1f} ms here, "
                f"{pg * 1000 / args.votes:.1f} ms PostgreSQL; acked {acked}, "
                f"stored {stored['marks']} (spent {stored['spent']}){extra}",
                flush=True,
            )
            assert acked == stored["marks"] == stored["spent"] == args.votes
            await asyncio.sleep(1.5)  # the trailing pushes are out of the way
    for path, rates in figures.items():
        print(
            f"{path:6}: median {statistics.median(rates):.0f} votes/s, "
            f"{statistics.median(cpu_ms[path]):.1f} ms CPU a vote here, over {len(rates)} rounds"
        )
    ratio = statistics.median(figures["writer"]) / statistics.median(figures["direct"])
    print(f"writer / direct: {ratio:.1f}x")


if __name__ == "__main__":
    url = procs.database_url()
    procs.ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": secrets.token_hex(32)}
    procs.migrate(env)
    room.setup_django(env)
    asyncio.run(main())
