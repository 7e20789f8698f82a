"""A demo cohort: 14 finished Snapshots for the demo event, made through the same verbs a
delegate's answers go through (deterministic, so the demo looks the same every time)."""

from __future__ import annotations

import random

from sessions.models import Event, SnapshotResponse
from sessions.snapshot import services
from sessions.snapshot.bank import ITEMS

DEMO_CHALLENGES = [
    "Energy costs",
    "Recruiting and keeping skilled staff",
    "Late or unreliable deliveries",
    "Scrap and rework",
    "Too much time on paperwork",
    "Planning and scheduling",
]
DEMO_FIRMS = 14


def seed_snapshots(event: Event) -> None:
    """Open the event's Snapshot with a challenge list and add the demo cohort, unless the
    event already has a cohort of that size."""
    setup = services.setup_for(event)
    if services.completed(setup).count() >= DEMO_FIRMS:
        return
    setup = services.configure(setup=setup, state="open", challenges=DEMO_CHALLENGES, wording={})
    rng = random.Random(42)  # noqa: S311  (demo data, not security)
    sizes = [choice for choice, _ in SnapshotResponse.Employees.choices]
    for firm in range(DEMO_FIRMS):
        response = services.start(setup=setup, delegate_key=None)
        base = rng.choice([1, 1, 2, 2, 2, 3])
        for item in ITEMS:
            value = None if rng.random() < 0.08 else min(4, max(0, base + rng.choice([-1, 0, 1])))
            services.answer(response=response, item=item.code, value=value)
        services.save_profile(
            response=response, sector=rng.choice(["metals", "food", "plastics"]),
            employees=sizes[0] if firm < 7 else rng.choice(sizes[1:3]), region="Demo region",
            role="owner", consent_export=True, consent_contact=False,
        )  # fmt: skip
        picks = [DEMO_CHALLENGES[1], DEMO_CHALLENGES[firm % 3 + 2], DEMO_CHALLENGES[0]]
        services.finish(response=response, picks=picks if firm % 4 else picks[:2], other="")
