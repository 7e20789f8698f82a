"""Time the after-event work for a big workshop: the follow-up run, the funnel, the exports.

    .venv/bin/python bench/after_event.py [--delegates 1000]

Builds a throw-away SQLite database (in a temporary folder) with one workshop of N delegates,
each with a consenting commitment (and a second one for every third delegate), a dot vote
and ideas; then prints, for each job, its wall time, its database queries and the peak
Python memory it allocated (tracemalloc), so "exports stream" and "send_followups scales"
are figures, not claims. Emails go to Django's in-memory backend. Not a test; no pass mark.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SQLITE_PATH", str(Path(tempfile.mkdtemp()) / "after-event.sqlite3"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facilitate.settings")
os.environ.pop("DATABASE_URL", None)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import StreamingHttpResponse  # noqa: E402
from django.http.response import HttpResponseBase  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from sessions.agenda import services  # noqa: E402
from sessions.commitments import followups  # noqa: E402
from sessions.commitments import services as commitments  # noqa: E402
from sessions.commitments.funnel import funnel  # noqa: E402
from sessions.models import Attendance, Commitment, Delegate, Event, Poll, Workshop  # noqa: E402
from sessions.voting import services as voting  # noqa: E402
from sessions.voting.services import PollSettings  # noqa: E402

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def build(n: int) -> tuple[User, Event, Workshop, int]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("organiser")  # signs in by force_login
    event = services.create_event(user=user, name="Bench day", date=timezone.localdate())
    workshop = services.create_workshop(event=event, title="Bench workshop")
    voting.add_vote_step(
        workshop=workshop,
        title="Pick",
        body="",
        settings=PollSettings(kind=Poll.Kind.DOTS, options=["A", "B", "C"]),
    )
    step = commitments.add_commit_step(workshop=workshop, title="Commit")
    delegates = Delegate.objects.bulk_create(
        Delegate(event=event, display_name=f"Delegate {i}") for i in range(n)
    )
    Attendance.objects.bulk_create(Attendance(workshop=workshop, delegate=d) for d in delegates)
    today = event.local_today()
    rows = [
        Commitment(
            step=step,
            delegate=d,
            action=f"=try idea {i} on line {i % 7}",  # a formula start, to be neutralised
            first_step_when="When the shift starts",
            first_step_then="time one changeover",
            first_step_on=today,
            measure="under 20 minutes",
            done_by=today + datetime.timedelta(days=30),
            email=f"d{i}@example.com",
            consent=True,
        )
        for i, d in enumerate(delegates)
        for _ in range(2 if i % 3 == 0 else 1)
    ]
    made = Commitment.objects.bulk_create(rows)
    for commitment in made:
        followups.schedule_followups(commitment=commitment, event=event)
    return user, event, workshop, len(made)


def measure(name: str, job: Callable[[], object]) -> None:
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = job()
        seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{name:<42} {seconds * 1000:9.0f} ms {len(queries):7d} queries "
        f"{peak / 1e6:8.1f} MB peak  {result}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=1000)
    args = parser.parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    user, event, workshop, made = build(args.delegates)
    print(f"{args.delegates} delegates, {made} commitments (SQLite, {connection.vendor})\n")
    client = Client()
    client.force_login(user)

    def csv(url: str) -> str:
        response: HttpResponseBase = client.get(url)
        assert isinstance(response, StreamingHttpResponse)  # the exports stream
        chunks = response.streaming_content
        assert isinstance(chunks, Iterator)  # a sync view's stream
        size = sum(len(chunk) for chunk in chunks)
        return f"{size / 1e3:.0f} kB, streamed={response.streaming}"

    # Every same-day summary is due 10 minutes after its commitment (or at 17:00 local).
    first_due = timezone.now() + datetime.timedelta(hours=8)
    measure(
        "send_followups (same-day summaries)",
        lambda: f"{len(followups.send_due_followups(now=first_due, base_url='https://x'))} sent",
    )
    measure(
        "send_followups again (nothing due)",
        lambda: f"{len(followups.send_due_followups(now=first_due, base_url='https://x'))} sent",
    )
    measure("funnel (one event)", lambda: f"{funnel(Commitment.objects.all()).made} made")
    measure(
        "dashboard page",
        lambda: f"{len(client.get(f'/console/events/{event.pk}/dashboard/').content) / 1e3:.0f} kB",
    )
    measure("dashboard CSV", lambda: csv(f"/console/events/{event.pk}/dashboard/commitments.csv"))
    measure(
        "archive commitments CSV",
        lambda: csv(f"/console/workshops/{workshop.pk}/exports/commitments.csv"),
    )
    measure(
        "archive page",
        lambda: (
            f"{len(client.get(f'/console/workshops/{workshop.pk}/archive/').content) / 1e3:.0f} kB"
        ),
    )


if __name__ == "__main__":
    main()
