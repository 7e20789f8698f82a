"""Every kind of page the app serves, for the checks that read them all (axe-core in a
browser, the Nu HTML checker): a workshop filled as a big room fills it (every step kind),
walked through each state a screen shows, and the pages around it (joining, the Snapshot, a
follow-up check-in, the shared archive, a delegate's take-home page, the console's forms and
dashboard, an event's team and its invitation link)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sessions.agenda import services
from sessions.archive import services as archive
from sessions.cloud import services as cloud
from sessions.commitments import followups
from sessions.editions import returning
from sessions.editions import services as editions
from sessions.ideas import services as ideas
from sessions.ideas import suggestions
from sessions.models import (
    AccessLink,
    Commitment,
    Delegate,
    PeerOffer,
    Question,
    Rehearsal,
    Role,
    RunSheet,
    SnapshotResponse,
    SnapshotSetup,
    Step,
    Timer,
    Upvote,
    Workshop,
    hash_token,
)
from sessions.peers import services as peers
from sessions.pulse import services as pulse
from sessions.questions import services as qa
from sessions.rehearsal.figures import Figures
from sessions.remote import services as remote
from sessions.runsheets import services as runsheets
from sessions.snapshot import services as snapshots
from sessions.snapshot.bank import ITEMS
from sessions.team import services as team
from sessions.timer import services as timers
from sessions.voting import services as voting
from tests.questions_cases import filled_questions
from tests.worst_cases import worst_cases

# The states the room goes through, in order: each screen (phone, console, projector) is read
# at each of them.
STAGES = [
    "waiting",
    "where",
    "since",
    "message",
    "timer running",
    "timer up",
    "questions beside",
    "dots open",
    "dots revealed",
    "questions instead",
    "ideas",
    "ideas moderated",
    "matrix open",
    "matrix revealed",
    "commit",
    "pulse open",
    "pulse revealed",
    "cloud open",
    "cloud moderated",
    "finished",
]


def filled(workshop: Workshop) -> dict[str, Step]:
    """The workshop's steps, every kind, filled as a big room fills them."""
    return worst_cases(workshop)


def walk(workshop: Workshop, steps: dict[str, Step], delegate_id: int) -> Iterator[str]:
    """Move the room through every stage, yielding each once the room is there. The delegate
    `delegate_id` votes while the dot vote is open (a phone with its vote in)."""
    for stage in STAGES:
        name, _, state = stage.partition(" ")
        if name == "finished":
            services.close_workshop(workshop=workshop)
            archive.share_archive(workshop=workshop)
        elif name == "waiting":
            services.show_step(workshop=workshop, step=None)
        elif name == "timer":  # over the message step, with its notes and plan on the console
            timer_stage(workshop, steps["message"], state)
        elif name == "questions":  # open alongside the step on screen, every kind after it
            if state == "beside":
                filled_questions(workshop, count=8, projector="beside")
                upvote_first(workshop, delegate_id)
            else:
                qa.set_question_settings(workshop=workshop, projector=state)
        else:
            step = steps[name]
            services.show_step(workshop=workshop, step=step)
            if name in ("dots", "matrix"):
                poll = step.poll
                poll.refresh_from_db()
                if state == "open":
                    voting.reveal_results(poll=poll, revealed=False)
                    poll = voting.open_poll(poll=poll)
                    if name == "dots":
                        voting.cast(
                            workshop_id=workshop.pk,
                            delegate_id=delegate_id,
                            poll_id=poll.pk,
                            option_id=poll.options.order_by("pk").first().pk,
                            action="add",
                        )
                else:
                    voting.close_poll(poll=poll)
                    voting.reveal_results(poll=poll)
            if name == "ideas" and state == "moderated":
                moderated(workshop, step, delegate_id)
            if name == "cloud":
                cloud_moderated(workshop, step, state, delegate_id)
            if name == "pulse":
                the_pulse = step.pulse
                the_pulse.refresh_from_db()
                if state == "open":
                    pulse.reveal_pulse(pulse=the_pulse, revealed=False)
                    pulse.open_pulse(pulse=the_pulse)
                else:
                    pulse.close_pulse(pulse=the_pulse)
                    pulse.reveal_pulse(pulse=the_pulse)
        workshop.refresh_from_db()
        yield stage


def timer_stage(workshop: Workshop, step: Step, state: str) -> None:
    """A labelled timer running over `step` (which has presenter notes and planned minutes:
    the console's notes and clock); then the same timer run out ("Time is up")."""
    if state == "running":
        services.plan_step(step=step, notes="Ask who measured lead time", planned_minutes=10)
        timers.start_timer(workshop=workshop, minutes=5, label="5 minutes to fill your card")
        return
    ran_out = timezone.now() - timedelta(seconds=1)
    Timer.objects.filter(workshop=workshop, stopped_at=None).update(ends_at=ran_out)


def cloud_moderated(workshop: Workshop, step: Step, state: str, delegate_id: int) -> None:
    """The word cloud taking words, the delegate `delegate_id` with theirs in; then closed,
    asking for approval, with a word hidden and two merged (its held-back words wait on the
    console)."""
    the_cloud = step.word_cloud
    the_cloud.refresh_from_db()
    if state == "open":
        cloud.send_words(
            workshop_id=workshop.pk, delegate_id=delegate_id, cloud_id=the_cloud.pk,
            words=["Busy", "<b>Stretched</b>"],
        )  # fmt: skip
        return
    the_cloud = cloud.close_cloud(cloud=the_cloud)
    the_cloud = cloud.require_approval(cloud=the_cloud, needs_approval=True)
    terms = list(the_cloud.terms.filter(state="shown").order_by("pk")[:3])
    cloud.moderate_term(cloud=the_cloud, term_id=terms[0].pk, state="hidden")
    cloud.merge_terms(cloud=the_cloud, term_id=terms[1].pk, into_id=terms[2].pk)


def upvote_first(workshop: Workshop, delegate_id: int) -> None:
    """The delegate `delegate_id` upvotes the room's first question (a pressed upvote)."""
    first = Question.objects.filter(board__workshop=workshop, status="shown").order_by("pk")[0]
    Upvote.objects.filter(question=first, delegate_id=delegate_id).delete()
    qa.upvote(workshop_id=workshop.pk, delegate_id=delegate_id, question_id=first.pk)


def moderated(workshop: Workshop, step: Step, delegate_id: int) -> None:
    """The ideas step asking for approval and for delegates' themes: an idea of the delegate
    `delegate_id` waits, another is on the wall in no cluster with a theme they suggested."""
    board = step.board
    board.refresh_from_db()
    ideas.configure_board(
        board=board,
        prompt=board.prompt,
        show_names=True,
        needs_approval=False,
        staged=False,
        delegates_suggest=True,
    )
    shown = ideas.submit_idea(
        workshop_id=workshop.pk, delegate_id=delegate_id, board_id=board.pk, text="Shadow boards"
    )
    assert shown is not None
    suggestions.suggest_cluster(
        workshop_id=workshop.pk, delegate_id=delegate_id, idea_id=shown.pk, cluster_id=None,
        name="Tidy benches",
    )  # fmt: skip
    ideas.configure_board(
        board=board, prompt=board.prompt, show_names=True, needs_approval=True, staged=False
    )
    ideas.submit_idea(
        workshop_id=workshop.pk, delegate_id=delegate_id, board_id=board.pk, text="Colour codes"
    )


def check_in_path(workshop: Workshop) -> str:
    """A follow-up message's one-tap check-in link for one of the workshop's commitments."""
    made = Commitment.objects.filter(step__workshop=workshop).order_by("pk").first()
    assert made is not None
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    return f"/c/{made.pk}/{token}/"


def bring_back_to(workshop: Workshop, delegate: Delegate) -> None:
    """A commitment of the event's last edition (`editions_paths` made one) brought back to
    `delegate`'s phone: the phone pages show its card, the data page lists it."""
    earlier = editions.last_edition(workshop.event)
    card = Commitment.objects.filter(step__workshop=workshop).order_by("pk").first()
    assert earlier is not None
    assert card is not None
    room = services.create_workshop(event=earlier, title="Last year's room")
    step = services.add_step(workshop=room, title="Commit", kind=Step.Kind.COMMIT)
    assert step is not None
    card.pk, card.step = None, step
    card.delegate = Delegate.objects.create(event=earlier)
    card.challenge, card.cluster, card.buddy = None, None, None
    card.consent, card.email = True, "last.year@example.com"
    card.save()
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=card)
    link = AccessLink.objects.get(token_hash=hash_token(token))
    returning.bring_back(link=link, delegate=delegate)


def own_commitment(workshop: Workshop, delegate_id: int) -> None:
    """A commitment of the delegate `delegate_id`'s own (a copy of the room's first card, if
    they made none): their card region then offers peers under it."""
    if not Commitment.objects.filter(step__workshop=workshop, delegate_id=delegate_id).exists():
        card = Commitment.objects.filter(step__workshop=workshop).order_by("pk").first()
        assert card is not None
        card.pk = None
        card.delegate_id = delegate_id
        card.save()


def take_home_path(workshop: Workshop, delegate_id: int) -> str:
    """The finished workshop's take-home page, for the delegate `delegate_id` with a
    commitment of their own."""
    own_commitment(workshop, delegate_id)
    return reverse("workshops:take_home", args=[workshop.pk])


def peer_paths(workshop: Workshop) -> dict[str, str]:
    """The peers page of two of the workshop's commitments: one opted in with an open offer
    (from a third delegate's commitment, in another company), one not yet opted in."""
    made = Commitment.objects.filter(
        step__workshop=workshop, delegate__isnull=False, peer_opt_in__isnull=True
    ).order_by("pk")
    firsts = list({c.delegate_id: c for c in reversed(made)}.values())[::-1]
    assert len(firsts) >= 3, "the filled workshop has commitments by three delegates"
    mine, theirs, fresh = firsts[:3]
    a = peers.opt_in(commitment=mine, name="Ann Archer", company="Acme", email="a@example.com")
    b = peers.opt_in(commitment=theirs, name="Ben Brook", company="Brill", email="b@example.com")
    first, second = sorted((a, b), key=lambda o: o.pk)
    PeerOffer.objects.get_or_create(
        first=first, second=second, defaults={"reason": "same", "topic": "Changeover time"}
    )
    paths = {}
    for label, commitment in (("peers, offers", mine), ("peers, opt-in", fresh)):
        token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=commitment)
        paths[label] = reverse("workshops:peers", args=[commitment.pk, token])
    return paths


def snapshot_setup(workshop: Workshop) -> SnapshotSetup:
    """The event's Snapshot, open to delegates."""
    setup = SnapshotSetup.objects.get(event_id=workshop.event_id)
    setup.state = SnapshotSetup.State.OPEN
    setup.save()
    return setup


def snapshot_paths(token: str) -> dict[str, str]:
    """The pages of a Snapshot response (its token), by name."""
    return {
        "snapshot question 1": reverse("workshops:snapshot_item", args=[token, 1]),
        "snapshot about": reverse("workshops:snapshot_about", args=[token]),
        "snapshot challenges": reverse("workshops:snapshot_challenges", args=[token]),
    }


def finished_snapshot_token(setup: SnapshotSetup) -> str:
    """A finished Snapshot's token, for its results page."""
    response = snapshots.start(setup=setup, delegate_key=None)
    for item in ITEMS:
        snapshots.answer(response=response, item=item.code, value=2)
    snapshots.save_profile(
        response=response, sector="metals", employees="10-19", region="North", role="owner",
        consent_export=True, consent_contact=False,
    )  # fmt: skip
    challenges = list(setup.challenges)[:1] if setup.challenges else []
    return snapshots.finish(response=response, picks=challenges, other="").token


def invitation_path(workshop: Workshop) -> str:
    """A new invitation link to the workshop's event's team (as an organiser)."""
    _, token = team.invite(event=workshop.event, role=Role.ORGANISER, by=None, key=None)
    return reverse("workshops:team_invitation", args=[token])


def latest_snapshot_token(setup: SnapshotSetup) -> str:
    return SnapshotResponse.objects.filter(setup=setup).latest("pk").token


def remote_path(workshop: Workshop) -> str:
    """The facilitator's remote, as a co-facilitator opens it with the remote link (made
    here: the console then shows its QR code too). Read at each stage, on a phone."""
    token = remote.make_remote_link(workshop=workshop).remote_token
    assert token is not None
    return reverse("workshops:remote_link", args=[token])


def finished_rehearsal() -> Rehearsal:
    """A rehearsal of 300 phones that did not hold, with its figures."""
    figures = Figures(phones=300, joined=300, taps=900, stored_dots=900, projector_dots=900)
    figures.join_times = [0.3] * 300
    figures.ack_times = [0.08] * 880 + [0.7] * 8
    figures.projector_times = [0.1] * 888
    figures.unanswered = 12
    figures.projector_matches = True
    for i in range(12):
        figures.error("tap unanswered", f"phone {i}")
    data = figures.as_json()
    return Rehearsal.objects.create(
        phones=300,
        url="http://127.0.0.1:8000",
        started_from="console",
        state=Rehearsal.State.NOT_HELD,
        verdict=data["verdict"],
        figures=data,
    )


def editions_paths(workshop: Workshop) -> dict[str, str]:
    """An event's series page before it joins one, and, with the workshop's event made the
    next edition of an earlier one, its mapping page, the comparison with the last and the
    series' outcome report."""
    event = workshop.event
    owner = event.facilitators.first()
    assert owner is not None
    alone = services.create_event(user=owner, name="A one-off", date=event.date)
    if event.series_id is None:
        earlier = services.create_event(
            user=owner, name="Last year", date=event.date - timedelta(days=365)
        )
        editions.follow_edition(event=event, previous=earlier, name="The conference")
    return {
        "series: join": reverse("workshops:series", args=[alone.pk]),
        "series: mapping": reverse("workshops:series", args=[event.pk]),
        "editions compared": reverse("workshops:editions_compare", args=[event.pk]),
        "series report": reverse("workshops:series_report", args=[event.series_id]),
    }


def console_paths(workshop: Workshop) -> dict[str, str]:
    """The console's pages outside the live console itself, by name."""
    event_id = workshop.event_id
    paths = {
        "console home": reverse("workshops:console_home"),
        "new workshop": reverse("workshops:workshop_new", args=[event_id]),
        "dashboard and funnel": reverse("workshops:dashboard", args=[event_id]),
        "snapshot organiser": reverse("workshops:snapshot_organiser", args=[event_id]),
        "outcome report": reverse("workshops:event_report", args=[event_id]),
        "run sheets": reverse("workshops:run_sheets"),
        "workshop run sheet": reverse("workshops:workshop_sheet", args=[workshop.pk]),
        "rehearsals": reverse("workshops:rehearsals"),
        "rehearsal verdict": reverse("workshops:rehearsal", args=[finished_rehearsal().pk]),
        "event team": reverse("workshops:team", args=[event_id]),
    }
    # A run sheet of the facilitator's, with its rename, share and delete forms.
    owner = workshop.event.facilitators.first()
    if owner is not None and not RunSheet.objects.filter(owner=owner).exists():
        runsheets.save_workshop(user=owner, workshop=workshop, title="Our morning")
    paths.update(editions_paths(workshop))
    for step in Step.objects.filter(workshop=workshop).order_by("position"):
        edit = reverse("workshops:step_edit", args=[workshop.pk, step.pk])
        paths[f"edit step ({step.kind})"] = edit
    return paths
