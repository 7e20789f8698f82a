"""Closing and the archive: a finished workshop refuses every write (HTTP and socket), every
screen says so, and the archive shows exactly what happened; sharing it by link."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.archive import services as archive
from sessions.ideas import services as ideas
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import (
    Attendance,
    Ballot,
    Change,
    Cluster,
    Delegate,
    Idea,
    Mark,
    Poll,
    PulseAnswer,
    Step,
    Workshop,
)
from sessions.pulse import services as pulse_service
from sessions.voting import services as voting
from tests.conftest import delegate_cookie_header, join

HOSTILE_IDEA = '=HYPERLINK("http://evil.example","<script>x</script>")'


@dataclass
class Ran:
    workshop: Workshop
    delegates: list[Delegate]
    dots: Step
    board_step: Step
    matrix: Step
    pulse: Step
    hidden: Idea
    merged: Idea


def option_id(step: Step, label: str) -> int:
    return step.poll.options.get(label=label).pk


def run_workshop(workshop: Workshop) -> Ran:
    """A workshop run through the services: a welcome, a dot vote, ideas with clusters (one
    hidden, one merged), a 2x2 of the clusters, and the pulse; not yet closed."""
    people = [Client() for _ in range(3)]
    delegates = [join(client, workshop, name) for client, name in zip(people, "ABC", strict=True)]
    services.add_step(workshop=workshop, title="Welcome", body="Small steps, not big programmes.")
    dots = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Lean basics", "Measuring", "Digital"]),
    )
    voting.open_poll(poll=dots.poll)
    for delegate, labels in zip(
        delegates,
        [["Lean basics", "Lean basics", "Measuring"], ["Measuring", "Digital"], ["Lean basics"]],
        strict=True,
    ):
        for label in labels:
            voting.cast(
                poll_id=dots.poll.pk,
                workshop_id=workshop.pk,
                delegate_id=delegate.pk,
                option_id=option_id(dots, label),
                action="add",
            )
    voting.close_poll(poll=dots.poll)
    board_step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    board = ideas.open_board(board=board_step.board)
    sent = {}
    for delegate, text in zip(
        delegates * 2,
        ["SMED on line 2", "Setup checklist", "Skills matrix", "Quick changeover",
         HOSTILE_IDEA, "<b>Secret</b> rant"],
        strict=True,
    ):  # fmt: skip
        sent[text] = ideas.submit_idea(
            workshop_id=workshop.pk, delegate_id=delegate.pk, board_id=board.pk, text=text
        )
    ideas.hide_idea(board=board, idea_id=sent["<b>Secret</b> rant"].pk)
    ideas.merge_ideas(
        board=board,
        survivor_id=sent["SMED on line 2"].pk,
        other_ids=[sent["Quick changeover"].pk],
    )
    changeover = ideas.create_cluster(board=board, name="Changeover")
    team = ideas.create_cluster(board=board, name="People")
    ideas.assign_ideas(
        board=board,
        idea_ids=[sent["SMED on line 2"].pk, sent["Setup checklist"].pk],
        cluster_id=changeover.pk,
    )
    ideas.assign_ideas(board=board, idea_ids=[sent["Skills matrix"].pk], cluster_id=team.pk)
    matrix = voting.add_vote_step(
        workshop=workshop,
        title="Impact and effort",
        body="",
        settings=voting.PollSettings(kind="matrix", options=[], options_from=board_step.pk),
    )
    voting.open_poll(poll=matrix.poll)
    ratings = {  # delegate: {option: (impact, effort)}
        0: {"Changeover": (5, 2), "People": (2, 4)},
        1: {"Changeover": (4, 1), "People": (3, 5)},
    }
    for index, rated in ratings.items():
        for label, (impact, effort) in rated.items():
            for axis, value in (("impact", impact), ("effort", effort)):
                voting.cast(
                    poll_id=matrix.poll.pk,
                    workshop_id=workshop.pk,
                    delegate_id=delegates[index].pk,
                    option_id=option_id(matrix, label),
                    action=axis,
                    value=value,
                )
    pulse = pulse_service.pulse_before_closing(workshop=workshop)
    for delegate, (usefulness, word) in zip(
        delegates, [(5, "Practical"), (4, "practical"), (3, "Long")], strict=True
    ):
        pulse_service.answer_pulse(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            pulse_id=pulse.pulse.pk,
            usefulness=usefulness,
            word=word,
        )
    return Ran(
        workshop=workshop,
        delegates=delegates,
        dots=dots,
        board_step=board_step,
        matrix=matrix,
        pulse=pulse,
        hidden=sent["<b>Secret</b> rant"],
        merged=sent["Quick changeover"],
    )


def text(response) -> str:
    return response.content.decode()


def section(html: str, number: int) -> str:
    """The archive's section for step `number` (1-based)."""
    match = re.search(
        rf'<section class="archive-step[^"]*" id="archive-step-{number}"'
        r'.*?(?=<section class="archive-step|$)',
        html,
        re.S,
    )
    assert match, f"no section {number}"
    return match.group(0)


def table_row(html: str, option: int) -> str:
    match = re.search(rf'<tr data-option="{option}">(.*?)</tr>', html, re.S)
    assert match, f"no row for option {option}"
    return re.sub(r"\s+", " ", match.group(1))


@pytest.fixture
def ran(workshop) -> Ran:
    result = run_workshop(workshop)
    services.close_workshop(workshop=workshop)
    return result


def archive_url(workshop) -> str:
    return reverse("workshops:archive", args=[workshop.pk])


# --- the archive's content equals what happened ---------------------------------------------


@pytest.mark.django_db
def test_the_archive_shows_every_step_in_order(ran, facilitator_client):
    html = text(facilitator_client.get(archive_url(ran.workshop)))
    titles = re.findall(r'<span class="step-number">\d+\.</span> ([^<]+)', html)
    assert [t.strip() for t in titles] == [
        "Welcome",
        "Pick the challenge",
        "Ideas",
        "Impact and effort",
        "Pulse",
    ]
    assert "Small steps, not big programmes." in section(html, 1)
    assert "Finished" in html


@pytest.mark.django_db
def test_the_archive_shows_the_final_dot_vote_ranked(ran, facilitator_client):
    vote = section(text(facilitator_client.get(archive_url(ran.workshop))), 2)
    rows = [
        table_row(vote, option_id(ran.dots, label))
        for label in ("Lean basics", "Measuring", "Digital")
    ]
    assert rows == [
        '<td>1</td><th scope="row">Lean basics</th><td data-score="3">3</td><td>2</td>',
        '<td>2</td><th scope="row">Measuring</th><td data-score="2">2</td><td>2</td>',
        '<td>3</td><th scope="row">Digital</th><td data-score="1">1</td><td>1</td>',
    ]
    assert "3 of 3 delegates voted" in vote


@pytest.mark.django_db
def test_the_archive_shows_ideas_in_their_clusters_with_merged_ones_under_their_idea(
    ran, facilitator_client
):
    ideas_html = section(text(facilitator_client.get(archive_url(ran.workshop))), 3)
    changeover = re.search(r'aria-label="Cluster Changeover">(.*?)</section>', ideas_html, re.S)
    people = re.search(r'aria-label="Cluster People">(.*?)</section>', ideas_html, re.S)
    loose = re.search(r'aria-label="Ideas in no cluster">(.*?)</section>', ideas_html, re.S)
    assert re.findall(r'idea-text">([^<]*)<', changeover.group(1)) == [
        "SMED on line 2",
        "Setup checklist",
    ]
    assert "<li>+ Quick changeover</li>" in changeover.group(1)
    assert re.findall(r'idea-text">([^<]*)<', people.group(1)) == ["Skills matrix"]
    assert "&quot;&lt;script&gt;x&lt;/script&gt;&quot;" in loose.group(1)
    assert "<script>x</script>" not in ideas_html
    assert "4 ideas on the wall in 2 clusters" in ideas_html


@pytest.mark.django_db
def test_the_facilitators_archive_lists_hidden_ideas_apart(ran, facilitator_client):
    ideas_html = section(text(facilitator_client.get(archive_url(ran.workshop))), 3)
    hidden = ideas_html.split("Not on the wall", 1)[1]
    assert "&lt;b&gt;Secret&lt;/b&gt; rant" in hidden
    assert "hidden" in hidden
    assert "&lt;b&gt;Secret&lt;/b&gt; rant" not in ideas_html.split("Not on the wall", 1)[0]


@pytest.mark.django_db
def test_the_archive_shows_the_2x2_plot_and_its_table(ran, facilitator_client):
    matrix = section(text(facilitator_client.get(archive_url(ran.workshop))), 4)
    assert '<svg class="matrix-plot"' in matrix
    changeover = table_row(matrix, option_id(ran.matrix, "Changeover"))
    people = table_row(matrix, option_id(ran.matrix, "People"))
    assert "Quick wins" in changeover
    assert "<td>4.5</td>" in changeover  # impact median of 5 and 4
    assert "<td>1.5</td>" in changeover  # effort median of 2 and 1
    assert "Thankless tasks" in people
    assert "<td>2.5</td>" in people
    assert "<td>4.5</td>" in people
    assert "2 of 3 delegates voted" in matrix


@pytest.mark.django_db
def test_the_archive_shows_the_pulse(ran, facilitator_client):
    pulse = section(text(facilitator_client.get(archive_url(ran.workshop))), 5)
    counts = dict(re.findall(r'data-point="(\d)" data-count="(\d+)"', pulse))
    assert counts == {"1": "0", "2": "0", "3": "1", "4": "1", "5": "1"}
    assert "3 answers · mean usefulness 4.0 of 5" in pulse
    words = re.findall(r'class="pulse-word size-(\d)" data-count="(\d+)">([^<]+)<', pulse)
    assert words == [("4", "2", "Practical "), ("1", "1", "Long")]


@pytest.mark.django_db
def test_the_archive_has_the_commitments_hook_and_export_links(ran, facilitator_client):
    html = text(facilitator_client.get(archive_url(ran.workshop)))
    for kind in ("steps", "votes", "ballots", "ideas", "pulse"):
        assert reverse("workshops:export_csv", args=[ran.workshop.pk, kind]) in html
    assert reverse("workshops:export_zip", args=[ran.workshop.pk]) in html
    assert reverse("workshops:archive_print", args=[ran.workshop.pk]) in html


@pytest.mark.django_db
def test_a_facilitator_can_preview_the_archive_before_closing(workshop, facilitator_client):
    run_workshop(workshop)
    html = text(facilitator_client.get(archive_url(workshop)))
    assert "Preview: this workshop is still running" in html
    assert "Pick the challenge" in html


@pytest.mark.django_db
def test_the_print_view_renders_the_report_without_controls(ran, facilitator_client):
    response = facilitator_client.get(reverse("workshops:archive_print", args=[ran.workshop.pk]))
    html = text(response)
    assert response.status_code == 200
    assert "workshops/archive.css" in html
    assert "Save as PDF" in html
    assert '<svg class="matrix-plot"' in html
    assert "Lean basics" in html
    assert "Practical" in html
    assert "<form" not in html
    assert 'class="site-header"' not in html


@pytest.mark.django_db
def test_the_print_stylesheet_sets_a4_page_breaks_and_hides_controls():
    from django.contrib.staticfiles import finders

    with open(finders.find("workshops/archive.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    printing = css.split("@media print", 1)[1]
    assert "size: A4" in printing
    assert "break-before: page" in printing
    assert "button" in printing
    assert "display: none" in printing
    assert "print-color-adjust: exact" in printing


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_outsider_and_a_delegate_cannot_open_the_facilitators_archive(
    delegate_client, ran, outsider_client
):
    assert outsider_client.get(archive_url(ran.workshop)).status_code == 404
    response = delegate_client.get(archive_url(ran.workshop))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    for name in ("archive_print", "export_zip"):
        assert (
            outsider_client.get(reverse(f"workshops:{name}", args=[ran.workshop.pk])).status_code
            == 404
        )


@pytest.mark.django_db
def test_sharing_gives_a_link_delegates_can_open_without_hidden_ideas(ran, facilitator_client):
    share = reverse("workshops:archive_share", args=[ran.workshop.pk])
    facilitator_client.post(share, {"do": "share"})
    ran.workshop.refresh_from_db()
    token = ran.workshop.archive_token
    assert len(token or "") >= 40
    shared = Client().get(reverse("workshops:archive_shared", args=[token]))
    html = text(shared)
    assert shared.status_code == 200
    assert shared["Referrer-Policy"] == "same-origin"  # the link never leaves the site
    assert "Skills matrix" in html
    assert "Secret" not in html
    assert "facilitator only" not in html
    assert "<form" not in html
    assert reverse("workshops:export_zip", args=[ran.workshop.pk]) not in html
    assert section(html, 2) == section(text(facilitator_client.get(archive_url(ran.workshop))), 2)
    printed = Client().get(reverse("workshops:archive_shared_print", args=[token]))
    assert printed.status_code == 200
    assert "Secret" not in text(printed)


@pytest.mark.django_db
def test_sharing_twice_keeps_the_link_and_stopping_breaks_it(ran, facilitator_client):
    share = reverse("workshops:archive_share", args=[ran.workshop.pk])
    facilitator_client.post(share, {"do": "share"})
    first = Workshop.objects.get(pk=ran.workshop.pk).archive_token
    facilitator_client.post(share, {"do": "share"})
    assert Workshop.objects.get(pk=ran.workshop.pk).archive_token == first
    facilitator_client.post(share, {"do": "stop"})
    assert Workshop.objects.get(pk=ran.workshop.pk).archive_token is None
    gone = Client().get(reverse("workshops:archive_shared", args=[first]))
    assert gone.status_code == 404
    assert "This archive link is not valid" in text(gone)
    assert facilitator_client.post(share, {"do": "explode"}).status_code == 400


@pytest.mark.django_db
def test_an_outsider_cannot_share_the_archive(ran, outsider_client):
    share = reverse("workshops:archive_share", args=[ran.workshop.pk])
    assert outsider_client.post(share, {"do": "share"}).status_code == 404
    assert Workshop.objects.get(pk=ran.workshop.pk).archive_token is None


@pytest.mark.django_db
def test_a_shared_link_opens_only_once_the_workshop_has_finished(workshop):
    run_workshop(workshop)
    shared = archive.share_archive(workshop=workshop)
    url = reverse("workshops:archive_shared", args=[shared.archive_token])
    assert Client().get(url).status_code == 404
    services.close_workshop(workshop=workshop)
    assert Client().get(url).status_code == 200
    assert (
        Client().get(reverse("workshops:archive_shared", args=["forged-token"])).status_code == 404
    )


# --- closing freezes every write path --------------------------------------------------------


def snapshot(workshop: Workshop) -> tuple:
    """Everything a write could change."""
    return (
        Change.objects.version_of(workshop.pk),
        list(Workshop.objects.filter(pk=workshop.pk).values_list("current_step", "join_code")),
        list(Step.objects.filter(workshop=workshop).values_list("pk", "position", "title")),
        list(Poll.objects.values_list("pk", "is_open", "revealed", "closes_at")),
        list(Mark.objects.values_list("pk", "value", "effort")),
        list(Ballot.objects.values_list("pk", "spent")),
        list(Idea.objects.values_list("pk", "text", "status", "cluster", "merged_into")),
        list(Cluster.objects.values_list("pk", "name")),
        list(PulseAnswer.objects.values_list("pk", "usefulness", "word")),
        Attendance.objects.count(),
        Delegate.objects.count(),
    )


def _delegate_client(ran: Ran) -> Client:
    client = Client()
    client.get(f"/j/{ran.workshop.join_token}/")  # a phone that joined before the close
    from sessions.identity import cookie_name, signed_cookie_value

    delegate = ran.delegates[0]
    client.cookies[cookie_name(delegate.event_id)] = signed_cookie_value(
        delegate.event_id, delegate.key
    )
    return client


def writes(ran: Ran) -> dict:
    """(who, method, url, data) for every write path, with data that would otherwise work."""
    w = ran.workshop
    board = ran.board_step.board
    idea = Idea.objects.filter(board=board, status="shown").first()

    def console(name, *args):
        return reverse(f"workshops:{name}", args=[w.pk, *args])

    def phone(name):
        return reverse(f"workshops:{name}", args=[w.pk])

    dots = ran.dots.poll
    return {
        "join": ("anyone", f"/j/{w.join_token}/", {"display_name": "Late"}),
        "vote": (
            "delegate",
            phone("vote"),
            {
                "poll": dots.pk,
                "option": option_id(ran.dots, "Digital"),
                "action": "add",
                "key": uuid.uuid4(),
            },
        ),
        "idea": (
            "delegate",
            phone("idea_send"),
            {"board": board.pk, "text": "Late idea", "key": uuid.uuid4()},
        ),
        "pulse_answer": (
            "delegate",
            phone("pulse_answer"),
            {"pulse": ran.pulse.pulse.pk, "usefulness": "1", "word": "Late", "key": uuid.uuid4()},
        ),
        "board_open": ("facilitator", console("board_command", board.pk), {"do": "open"}),
        "board_create": (
            "facilitator",
            console("board_command", board.pk),
            {"do": "create", "name": "Late"},
        ),
        "board_hide": (
            "facilitator",
            console("board_command", board.pk),
            {"do": f"hide:{idea.pk}"},
        ),
        "step_add": (
            "facilitator",
            console("step_add"),
            {"kind": "message", "title": "Late", "key": uuid.uuid4()},
        ),
        "step_add_pulse": (
            "facilitator",
            console("step_add"),
            {"kind": "pulse", "title": "Late", "key": uuid.uuid4()},
        ),
        "step_edit": (
            "facilitator",
            console("step_edit", ran.dots.pk),
            {"title": "Late", "body": ""},
        ),
        "step_delete": ("facilitator", console("step_delete", ran.dots.pk), {}),
        "step_move": ("facilitator", console("step_move", ran.dots.pk), {"direction": "down"}),
        "show": ("facilitator", console("show"), {"go": "step", "step": ran.dots.pk}),
        "show_next": ("facilitator", console("show"), {"go": "previous", "current": ran.pulse.pk}),
        "join_code": ("facilitator", console("join_code_renew"), {}),
        "poll_open": ("facilitator", console("poll_control", dots.pk), {"action": "open"}),
        "poll_reveal": ("facilitator", console("poll_control", dots.pk), {"action": "reveal"}),
        "poll_focus": (
            "facilitator",
            console("poll_control", dots.pk),
            {"action": "focus", "top": 2},
        ),
        "pulse_control": (
            "facilitator",
            console("pulse_control", ran.pulse.pulse.pk),
            {"action": "reveal"},
        ),
        "pulse_first": ("facilitator", console("pulse_first"), {}),
    }


WRITE_PATHS = [
    "join", "vote", "idea", "pulse_answer", "board_open", "board_create", "board_hide",
    "step_add", "step_add_pulse", "step_edit", "step_delete", "step_move", "show", "show_next",
    "join_code", "poll_open", "poll_reveal", "poll_focus", "pulse_control", "pulse_first",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_closed_workshop_refuses_every_http_write_and_changes_nothing(
    ran, facilitator_client, path, htmx
):
    who, url, data = writes(ran)[path]
    client = {
        "anyone": Client(),
        "delegate": _delegate_client(ran),
        "facilitator": facilitator_client,
    }[who]
    before = snapshot(ran.workshop)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, data, **extra)
    assert response.status_code == 409, (path, response.status_code, text(response)[:300])
    assert "finished" in text(response)
    assert snapshot(ran.workshop) == before


def test_the_write_paths_cover_every_post_url():
    """A new write URL must be added to WRITE_PATHS (or be one that stays allowed)."""
    from sessions.urls import urlpatterns

    allowed_after_close = {
        "close", "display_revoke", "archive_share", "board_suggest",
        # After the event by design: follow-up check-ins, a delegate's data, the Snapshot
        # (an event's, not a workshop's).
        "check_in", "my_data_link_erase", "my_data_erase", "privacy_request",
        "snapshot_invite", "snapshot_item", "snapshot_about", "snapshot_challenges",
        "snapshot_retake", "snapshot_organiser",
        # Peers are offered after the workshop, from the follow-up link (test_peers).
        "peers", "peers_answer", "peers_withdraw",
        # A series is an event's; last edition's commitment is answered whatever this
        # workshop's state (test_editions).
        "series_join", "series_mapping", "bring_back", "close_returned",
        # A finished workshop's agenda may be saved, duplicated (test_run_sheets); run
        # sheets are no workshop's.
        "workshop_sheet_save", "workshop_duplicate", "run_sheet_import", "run_sheet_edit",
        "run_sheet_delete", "run_sheet_share",
        # A remote link may be made and revoked; its taps are refused (test_remote).
        "remote_link_make", "remote_link_revoke",
        # Rehearsals are the installation's, no workshop's (test_rehearsal).
        "rehearsals", "rehearsal",
        # An event's team, not a workshop's.
        "team", "team_add", "team_invite", "invitation_revoke", "team_remove", "team_invitation",
    }  # fmt: skip
    # Refused after close, tested in their own files (test_commitments, test_idea_suggestions,
    # test_console, test_cloud, test_idea_reactions, test_questions, test_peers).
    covered_elsewhere = {
        "commit", "commit_names", "peers_opt_in", "suggest_theme", "suggestion_decide",
        "joining_shown",
        "cloud_words", "cloud_withdraw", "cloud_control", "cloud_moderate", "plus_one",
        "question_ask", "question_upvote", "question_switch", "question_moderate",
        "question_edit", "workshop_steps_import", "remote_go", "remote_link_go",
        "timer_start", "timer_add_minute", "timer_stop", "remote_timer", "remote_link_timer",
    }  # fmt: skip
    covered = {
        "join_link", "vote", "idea_send", "pulse_answer", "board_command", "step_add",
        "step_edit", "step_delete", "step_move", "show", "join_code_renew", "poll_control",
        "pulse_control", "pulse_first",
    }  # fmt: skip
    reads = {
        "home", "join", "phone", "phone_live", "ballot", "my_ideas", "my_pulse", "my_words",
        "display",
        "display_live", "console_home", "workshop_new", "console", "console_live", "finish",
        "archive", "archive_print", "archive_shared", "archive_shared_print", "export_csv",
        "export_zip", "my_commitments", "my_data_link", "my_data_link_download", "my_data",
        "my_data_download", "dashboard", "dashboard_csv", "snapshot_resume", "snapshot_results",
        "snapshot_export", "event_report", "event_report_csv", "series", "editions_compare",
        "series_report", "series_report_csv", "run_sheets",
        "run_sheet_download", "workshop_sheet",
        "workshop_sheet_export", "remote", "remote_live", "remote_link", "remote_link_live",
        "take_home", "take_home_ics", "take_home_link", "take_home_link_ics",
    }  # fmt: skip
    names = {pattern.name for pattern in urlpatterns}
    assert names == covered | covered_elsewhere | allowed_after_close | reads


@pytest.mark.django_db(transaction=True)
async def test_a_closed_workshop_refuses_a_vote_over_the_socket(workshop):
    from tests.test_consumers import receive_until, socket

    ran = await sync_to_async(run_workshop)(workshop)
    await sync_to_async(services.show_step)(workshop=workshop, step=ran.dots)
    await sync_to_async(voting.open_poll)(poll=ran.dots.poll)
    await sync_to_async(services.close_workshop)(workshop=workshop)
    before = await sync_to_async(snapshot)(workshop)
    digital = await sync_to_async(option_id)(ran.dots, "Digital")
    cookie = (b"cookie", delegate_cookie_header(ran.delegates[2]))
    key = "0a1b2c3d-0000-4000-8000-00000000abcd"
    vote = {"type": "vote", "poll": ran.dots.poll.pk, "option": digital, "action": "add"}
    async with socket(f"/ws/phone/{workshop.pk}/", cookie) as phone:
        first = await receive_until(phone, lambda f: 'id="status"' in f)
        assert "This workshop has finished" in first
        await phone.send_json_to({**vote, "key": key})
        refused = await receive_until(phone, lambda f: f'data-refused="{key}"' in f)
        assert "This workshop has finished, so nothing more can be changed." in refused
    # Nothing changed (the comparison leaves the version out).
    assert (await sync_to_async(snapshot)(workshop))[1:] == before[1:]


# --- every screen says it is closed ---------------------------------------------------------


@pytest.mark.django_db
def test_every_screen_says_closed_and_points_to_the_shared_archive(ran, facilitator_client):
    w = ran.workshop
    phone = _delegate_client(ran)
    pages = {
        "phone": lambda: text(phone.get(reverse("workshops:phone", args=[w.pk]))),
        "projector": lambda: text(
            Client().get(reverse("workshops:display", args=[w.display_token]))
        ),
        "console": lambda: text(facilitator_client.get(reverse("workshops:console", args=[w.pk]))),
    }
    for name, page in pages.items():
        assert "This workshop has finished" in page(), name
        assert "archive-pointer" not in page(), name
    archive.share_archive(workshop=w)
    token = Workshop.objects.get(pk=w.pk).archive_token
    shared_path = reverse("workshops:archive_shared", args=[token])
    assert f'<a href="{shared_path}">See the workshop' in pages["phone"]()
    assert f"http://testserver{shared_path}" in pages["projector"]()
    assert reverse("workshops:archive", args=[w.pk]) in pages["console"]()
    # Sharing pushes the status line to every screen.
    status = render_regions(w.pk, DELEGATE, ("status",)).html["status"]
    assert shared_path in status
    assert shared_path in render_regions(w.pk, PROJECTOR, ("status",)).html["status"]
    assert "Open the archive" in render_regions(w.pk, FACILITATOR, ("status",)).html["status"]


@pytest.mark.django_db
def test_sharing_pushes_the_status_line(workshop, django_capture_on_commit_callbacks):
    services.close_workshop(workshop=workshop)
    before = Change.objects.version_of(workshop.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        archive.share_archive(workshop=workshop)
    assert callbacks
    assert Change.objects.version_of(workshop.pk) == before + 1
