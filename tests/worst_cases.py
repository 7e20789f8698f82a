"""A workshop filled as a big room fills it, with every step kind: the worst cases the
screens must hold (long options, many ideas in themes sorted by +1s, many commitments, a
revealed 2x2 and pulse, the Snapshot's "Where we are")."""

from __future__ import annotations

import datetime

from sessions.agenda import services
from sessions.cloud import services as cloud
from sessions.commitments import services as commitments
from sessions.editions import services as editions
from sessions.ideas import reactions
from sessions.ideas import services as ideas
from sessions.models import (
    Attendance,
    Commitment,
    Delegate,
    Event,
    Poll,
    SnapshotSetup,
    Status,
    Step,
)
from sessions.pulse import services as pulse
from sessions.snapshot.demo import seed_snapshots
from sessions.voting import services as voting

LONG_OPTIONS = [
    "Changeover time on the packing line between product families",
    "Skills and training for new starters on the second shift team",
    "Stock and flow: work in progress piling up before final test",
    "Data entered by hand twice, once on paper and once in the ERP",
    "Quality and rework found late, at the customer's goods inwards",
    "Energy costs of compressed air leaks and idle machines at night",
    "Supplier lead times that change without warning every quarter",
    "Maintenance that waits for breakdowns instead of being planned",
]
THEMES = ["Quick changeover kits", "Skills matrix", "Barcode scanning", "Visual stock signals",
          "First-time right checks", "Energy walk at night"]  # fmt: skip


def room_of(workshop, people: int) -> list[int]:
    delegates = Delegate.objects.bulk_create(
        Delegate(event=workshop.event, display_name=f"Delegate number {i}") for i in range(people)
    )
    Attendance.objects.bulk_create(Attendance(workshop=workshop, delegate=d) for d in delegates)
    return [d.pk for d in delegates]


def seed_last_edition(event: Event) -> None:
    """Make `event` the second edition of a series whose first had the same Snapshot (its
    challenges mapped in both) and 40 commitments: 12 done, 7 changed plan."""
    if event.series_id is not None:
        return
    earlier = services.create_event(
        user=event.facilitators.get(), name="Last year's Productivity Day",
        date=event.date - datetime.timedelta(days=365),
    )  # fmt: skip
    seed_snapshots(earlier)
    editions.follow_edition(event=event, previous=earlier, name="Productivity Day")
    for edition in (earlier, event):
        count = len(SnapshotSetup.objects.get(event=edition).challenges)
        editions.confirm_mapping(event=edition, choices={f"s{n}": "new" for n in range(count)})
    room = services.create_workshop(event=earlier, title="Last year's room")
    step = commitments.add_commit_step(workshop=room, title="Commit")
    today = earlier.date
    Commitment.objects.bulk_create(
        Commitment(
            step=step,
            action="try one small thing",
            first_step_when="Monday",
            first_step_then="start",
            first_step_on=today,
            measure="it works",
            done_by=today,
            status=Status.DONE if n < 12 else Status.CHANGED if n < 19 else "",
        )
        for n in range(40)
    )


def worst_cases(workshop) -> dict[str, Step]:
    """Every step kind, filled as a big room fills it."""
    people = room_of(workshop, 60)
    steps: dict[str, Step] = {}
    seed_snapshots(workshop.event)
    seed_last_edition(workshop.event)
    steps["where"] = services.add_step(
        workshop=workshop, title="Where we are", kind=Step.Kind.BENCHMARK
    )
    steps["since"] = services.add_step(
        workshop=workshop, title="Since last time", kind=Step.Kind.SINCE
    )
    steps["message"] = services.add_step(
        workshop=workshop,
        title="Small steps, small experiments",
        body="Today we pick one challenge together and each of us leaves with one small "
        "experiment to try in the next two weeks, with a first step we can take on Monday.",
    )
    dots = voting.add_vote_step(
        workshop=workshop,
        title="Which productivity challenge matters most in your business this year?",
        body="",
        settings=voting.PollSettings(kind=Poll.Kind.DOTS, options=LONG_OPTIONS, show_live=True),
    )
    steps["dots"] = dots
    board_step = ideas.add_ideas_step(
        workshop=workshop, title="Ideas", prompt="How might we cut changeover time in half?"
    )
    steps["ideas"] = board_step
    matrix = voting.add_vote_step(
        workshop=workshop,
        title="Impact and effort",
        body="",
        settings=voting.PollSettings(kind=Poll.Kind.MATRIX, options=THEMES),
    )
    steps["matrix"] = matrix
    steps["commit"] = commitments.add_commit_step(workshop=workshop, title="Your experiment")
    steps["pulse"] = pulse.add_pulse_step(workshop=workshop)
    steps["cloud"] = cloud.add_cloud_step(workshop=workshop, title="In one word")

    def show(step):
        services.show_step(workshop=workshop, step=step)

    # The dot vote: everyone votes, revealed.
    show(dots)
    poll = voting.open_poll(poll=dots.poll)
    options = list(poll.options.values_list("pk", flat=True))
    for i, delegate in enumerate(people):
        for k in range(3):
            voting.cast(
                workshop_id=workshop.pk,
                delegate_id=delegate,
                poll_id=poll.pk,
                option_id=options[(i + k * 3) % len(options)],
                action="add",
            )
    voting.close_poll(poll=poll)
    voting.reveal_results(poll=poll)

    # 40 ideas in 6 clusters.
    show(board_step)
    board = board_step.board
    ideas.open_board(board=board)
    sent = [
        ideas.submit_idea(
            workshop_id=workshop.pk,
            delegate_id=people[i],
            board_id=board.pk,
            text=f"Idea {i + 1}: keep a labelled changeover kit at every machine, checked weekly",
        )
        for i in range(40)
    ]
    for c, theme in enumerate(THEMES):
        cluster = ideas.create_cluster(board=board, name=theme)
        ideas.assign_ideas(board=board, idea_ids=[s.pk for s in sent[c * 6 : c * 6 + 6]],
                           cluster_id=cluster.pk)  # fmt: skip
    # +1s on, each of 30 delegates' five spent: the wall sorted by them, counts to two digits.
    ideas.set_reactions(board=board, on=True, budget=5)
    for i, delegate in enumerate(people[:30]):
        for target in (0, 1 + i % 3, 6 + i % 10, 20 + i % 15, 35 + i % 5):
            reactions.give_plus_one(
                workshop_id=workshop.pk, delegate_id=delegate, idea_id=sent[target].pk
            )

    # The 2x2, rated by everyone, revealed.
    show(matrix)
    poll = voting.open_poll(poll=matrix.poll)
    for i, delegate in enumerate(people[:20]):
        for option in poll.options.all():
            for axis, value in (("impact", 1 + (i + option.pk) % 5), ("effort", 1 + i % 5)):
                voting.cast(
                    workshop_id=workshop.pk, delegate_id=delegate, poll_id=poll.pk,
                    option_id=option.pk, action=axis, value=value,
                )  # fmt: skip
    voting.close_poll(poll=poll)
    voting.reveal_results(poll=poll)

    # 50 commitments.
    show(steps["commit"])
    today = datetime.date.today()
    links = [value for value, _label in commitments.link_choices(workshop) if value]
    for i, delegate in enumerate(people[:50]):
        card = commitments.Card(
            action=f"Time every changeover on line {i % 7 + 1} for a week and share the log",
            first_step_when="When Monday's first shift starts",
            first_step_then="start the stopwatch at the last good part",
            first_step_on=today + datetime.timedelta(days=2),
            measure="Changeovers take under twenty minutes",
            done_by=today + datetime.timedelta(days=21),
            link=links[i % len(links)],
        )
        commitments.make_commitment(
            workshop_id=workshop.pk, delegate_id=delegate, step_id=steps["commit"].pk, card=card
        )

    # The pulse, answered and revealed.
    show(steps["pulse"])
    the_pulse = steps["pulse"].pulse
    pulse.open_pulse(pulse=the_pulse)
    # 40 different words, one of the longest a word can be, the first few given often.
    words = ["practical", "useful", "energising", "long", "concrete", "inspiring", "x" * 30]
    words += [f"different{i}" for i in range(33)]
    for i, delegate in enumerate(people):
        pulse.answer_pulse(
            workshop_id=workshop.pk, delegate_id=delegate, pulse_id=the_pulse.pk,
            usefulness=1 + i % 5, word=words[i % 7 if i < 20 else i - 20],
        )  # fmt: skip
    pulse.close_pulse(pulse=the_pulse)
    pulse.reveal_pulse(pulse=the_pulse)

    # The word cloud: 60 delegates, three words or phrases each, some of the longest a phrase
    # can be, a few words given by many; one held back.
    show(steps["cloud"])
    the_cloud = cloud.open_cloud(cloud=steps["cloud"].word_cloud)
    often = ["Stretched", "Busy", "Hopeful", "Firefighting", "Lean", "Overloaded"]
    for i, delegate in enumerate(people):
        given = [often[i % len(often)], often[(i * 7) % 5], f"Widest possible phrase{i:02d}"]
        if i == 0:
            given[2] = "Shit"
        cloud.send_words(
            workshop_id=workshop.pk, delegate_id=delegate, cloud_id=the_cloud.pk,
            words=[g[:25] for g in given] if given[0] != given[1] else given[::2],
        )  # fmt: skip
    return steps
