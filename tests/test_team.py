"""An event's team: who may do what on every console route (one role table in
sessions.access), the team page, and invitation links from making to accepting, with every
refusal changing nothing."""

from __future__ import annotations

import datetime
import re
import uuid
from html import unescape

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from sessions.editions import services as editions
from sessions.models import Event, Invitation, Rehearsal, Role
from sessions.runsheets import services as runsheets
from sessions.team import services as team
from tests.conftest import join
from tests.routes import app_routes, fill
from tests.test_archive import run_workshop
from tests.test_consumers import session_cookie, socket

pytestmark = pytest.mark.django_db

CANNOT_DRIVE = "Organisers can see this event's results but cannot run its workshops."
CANNOT_INVITE = "Organisers can see this event's team but cannot change it."
EVENT_NOT_FOUND = "That event does not exist, or you are not on its team."
WORKSHOP_NOT_FOUND = "That workshop does not exist, or you do not have access to it."
SHEET_NOT_FOUND = ("That run sheet does not exist, or you do not have access to it.",)
SERIES_NOT_FOUND = ("That series does not exist, or you are not on the team of its events.",)
STRONG = "lean-steps-on-line-2"


def text(response) -> str:
    return unescape(response.content.decode())


def everything() -> dict[str, list]:
    """Every row of the app's tables and of the accounts, as plain values."""
    tables = {
        model._meta.db_table: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("workshops").get_models(include_auto_created=True)
    }
    tables["auth_user"] = list(User.objects.order_by("pk").values())
    return tables


# --- who may do what, on every console route ------------------------------------------------

# What an organiser may open: the event's results, never a room's controls.
ORGANISER_MAY = {
    "console_home", "dashboard", "dashboard_csv", "snapshot_organiser", "snapshot_export",
    "archive", "archive_print", "export_zip", "export_csv", "team", "event_report",
    "event_report_csv", "series", "editions_compare", "series_join", "series_mapping",
    "series_report", "series_report_csv",
}  # fmt: skip
EVENT_ROUTES = {
    "dashboard", "dashboard_csv", "snapshot_organiser", "snapshot_export", "team",
    "event_report", "event_report_csv", "series", "editions_compare", "series_join",
    "series_mapping",
}  # fmt: skip
# A series' routes: the workshop's event is made a series of its own (`address`), so its team
# is the team of every edition. Someone on one edition's team only: tests/test_report_series.
SERIES_ROUTES = {"series_report", "series_report_csv"}

# What the event's facilitators (and a superuser) get for a bare request: a page (200), a
# redirect after doing it (302), or the form's own refusal (400, 404 for a missing item,
# 409 for a state that does not allow it).
DRIVERS_GET = {
    "console_home": 200, "workshop_new": 200, "console": 200, "console_live": 200,
    "step_edit": 200, "dashboard": 200, "dashboard_csv": 200, "board_suggest": 200,
    "team": 200, "snapshot_organiser": 200, "snapshot_export": 200, "finish": 200,
    "archive": 200, "archive_print": 200, "export_zip": 200, "export_csv": 200,
    "workshop_sheet": 200, "workshop_sheet_export": 200, "remote": 200, "remote_live": 200,
    "series": 200, "editions_compare": 409,  # this event is in no series
    "event_report": 200, "event_report_csv": 200, "series_report": 200, "series_report_csv": 200,
}  # fmt: skip

# A signed-in person's own pages, whatever their role in the event: their run sheets (a sheet
# of the facilitator's own, below, is nobody else's) and the installation's rehearsals (any
# facilitator's; an organiser alone gets the missing page).
OWN_GET = {"run_sheets": 200, "run_sheet_download": 200, "rehearsals": 200, "rehearsal": 200}
OWN_POST = {
    "run_sheet_import": 400, "run_sheet_edit": 400, "run_sheet_delete": 302,
    "run_sheet_share": 400, "rehearsals": 400,
}  # fmt: skip
SHEET_ROUTES = {"run_sheet_download", "run_sheet_edit", "run_sheet_delete", "run_sheet_share"}
REHEARSAL_ROUTES = {"rehearsals", "rehearsal"}

CONSOLE_ROUTES = [r for r in app_routes() if r.route.startswith("console/")]
REQUESTS = [
    (route, method)
    for route in CONSOLE_ROUTES
    for method in route.methods or []
    if method in ("GET", "POST")
]
IDS = [f"{method} {route.pattern.name}" for route, method in REQUESTS]


def test_every_console_route_is_in_the_table():
    names = {route.pattern.name for route in CONSOLE_ROUTES}
    assert names >= ORGANISER_MAY
    gets = {route.pattern.name for route, method in REQUESTS if method == "GET"}
    assert gets == set(DRIVERS_GET) | set(OWN_GET)
    posts = {route.pattern.name for route, method in REQUESTS if method == "POST"}
    assert posts - {"console_home"} == set(DRIVERS_POST) | set(OWN_POST)


@pytest.fixture
def organiser(event) -> User:
    user = User.objects.create_user(username="orla", password="pw-orla-123", first_name="Orla")
    team.add_member(event=event, user=user, role=Role.ORGANISER)
    return user


@pytest.fixture
def co_facilitator(event) -> User:
    user = User.objects.create_user(username="cora", password="pw-cora-123")
    team.add_member(event=event, user=user, role=Role.FACILITATOR)
    return user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def persona(request, workshop, outsider, organiser, co_facilitator, facilitator) -> Client:
    name = request.param
    if name == "anonymous":
        return Client()
    if name == "delegate":
        client = Client()
        join(client, workshop, "Dee")
        return client
    if name == "superuser":
        return logged_in(User.objects.create_superuser(username="sue", password="pw-sue-123"))
    users = {"outsider": outsider, "organiser": organiser, "co_facilitator": co_facilitator}
    return logged_in(users.get(name, facilitator))


def address(route, workshop, organiser) -> str:
    ran = run_workshop(workshop)
    invitation, _ = team.invite(event=workshop.event, role=Role.ORGANISER, by=None, key=None)
    owner = workshop.event.facilitators.get(username="fran")
    sheet = runsheets.save_workshop(user=owner, workshop=workshop, title="Fran's own")
    assert sheet is not None
    rehearsal = Rehearsal.objects.create(phones=20, url="http://127.0.0.1:8000")
    series = None
    if "series_id" in route.converters:
        series = editions.start_series(event=workshop.event, name="The conference")
    values = {
        "event_id": workshop.event_id,
        "workshop_id": workshop.pk,
        "step_id": ran.dots.pk,
        "poll_id": ran.dots.poll.pk,
        "board_id": ran.board_step.board.pk,
        "pulse_id": ran.pulse.pulse.pk,
        "question_id": 999_999,
        "cloud_id": 999_999,
        "invitation_id": invitation.pk,
        "user_id": organiser.pk,
        "sheet_id": sheet.pk,
        "rehearsal_id": rehearsal.pk,
        "kind": "steps",
        "series_id": series.pk if series else None,
    }
    return fill(route, values)


def expected(persona: str, name: str, method: str) -> int:
    if persona in ("anonymous", "delegate"):
        return 302  # to the sign-in page
    if name == "console_home":
        return 200  # everyone's own list (a bare POST shows the new-event form again)
    if name in OWN_GET or name in OWN_POST:
        if name in SHEET_ROUTES and persona not in ("facilitator", "superuser"):
            return 404  # another's private run sheet: as one that does not exist
        if name in REHEARSAL_ROUTES and persona == "organiser":
            return 404  # an organiser alone facilitates nothing to rehearse
        return OWN_GET[name] if method == "GET" else OWN_POST[name]
    if persona == "outsider":
        return 404
    if persona == "organiser" and name not in ORGANISER_MAY:
        return 403
    if method == "GET":
        return DRIVERS_GET[name]
    return DRIVERS_POST[name]


# A bare POST (no fields) from someone who may make it (a form with no fields at all is shown
# again, 200).
DRIVERS_POST = {
    "workshop_new": 200, "step_add": 400, "step_edit": 200, "step_delete": 302,
    "step_move": 400, "show": 400, "question_switch": 400, "question_moderate": 400,
    "question_edit": 404, "join_code_renew": 302, "joining_shown": 400,
    "display_revoke": 302, "close": 302, "poll_control": 400, "commit_names": 404,
    "board_command": 400, "suggestion_decide": 400, "team_add": 400, "team_invite": 400,
    "invitation_revoke": 302, "team_remove": 302, "snapshot_organiser": 400,
    "pulse_control": 400, "pulse_first": 302, "archive_share": 400, "cloud_control": 404,
    "cloud_moderate": 404, "workshop_sheet_save": 400, "workshop_duplicate": 400,
    "workshop_steps_import": 400, "remote_go": 400, "remote_link_make": 302,
    "remote_link_revoke": 302, "timer_start": 400, "remote_timer": 400, "timer_add_minute": 400,
    "timer_stop": 400, "series_join": 400, "series_mapping": 409,
}  # fmt: skip

PERSONAS = [
    "anonymous", "delegate", "outsider", "organiser", "co_facilitator", "facilitator",
    "superuser",
]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS, indirect=True, ids=PERSONAS)
@pytest.mark.parametrize(("route", "method"), REQUESTS, ids=IDS)
def test_each_role_gets_its_answer_on_every_console_route(
    request, persona, route, method, workshop, organiser
):
    who = request.node.callspec.id.split("-")[-1]
    name = route.pattern.name
    url = address(route, workshop, organiser)
    before = everything()
    response = persona.get(url) if method == "GET" else persona.post(url, {})
    want = expected(who, name, method)
    assert response.status_code == want, (who, method, url, response.status_code)
    if want == 302 and who in ("anonymous", "delegate"):
        assert response["Location"].startswith("/accounts/login/")
    if want == 403:
        assert CANNOT_DRIVE in text(response) or CANNOT_INVITE in text(response)
    if want == 404 and who == "outsider":
        missing = (
            SHEET_NOT_FOUND if name in SHEET_ROUTES
            else SERIES_NOT_FOUND if name in SERIES_ROUTES
            else (EVENT_NOT_FOUND, WORKSHOP_NOT_FOUND)
        )  # fmt: skip
        assert any(message in text(response) for message in missing)
    if want in (302, 403, 404) and who not in ("co_facilitator", "facilitator", "superuser"):
        assert everything() == before, "a refused request changed something"


@pytest.mark.django_db(transaction=True)
async def test_an_organisers_console_socket_is_refused(workshop, organiser):
    client = Client()
    await sync_to_async(client.force_login)(organiser)
    async with socket(f"/ws/console/{workshop.pk}/", session_cookie(client)) as console:
        closed = await console.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


def test_an_organiser_sees_results_but_is_told_they_cannot_run_a_workshop(workshop, organiser):
    client = logged_in(organiser)
    home = text(client.get("/console/"))
    assert f'href="/console/workshops/{workshop.pk}/archive/"' in home
    assert f'href="/console/workshops/{workshop.pk}/"' not in home
    assert "Add a workshop" not in home
    assert "Rehearse this installation" not in home  # nothing of theirs to rehearse
    assert "Rehearse this installation" in text(
        logged_in(workshop.event.facilitators.get()).get("/console/")
    )
    archive = client.get(f"/console/workshops/{workshop.pk}/archive/")
    assert archive.status_code == 200
    assert "Share with delegates" not in text(archive)
    assert "All CSV files" in text(archive)
    refused = client.get(f"/console/workshops/{workshop.pk}/")
    assert refused.status_code == 403
    assert CANNOT_DRIVE in text(refused)
    assert 'href="/console/"' in text(refused)


def test_a_user_holds_different_roles_in_different_events(event, outsider, facilitator):
    other = outsider.facilitated_events.get()
    team.add_member(event=other, user=facilitator, role=Role.ORGANISER)
    client = logged_in(facilitator)
    assert client.get(f"/console/events/{event.pk}/workshops/new/").status_code == 200
    assert client.get(f"/console/events/{other.pk}/workshops/new/").status_code == 403
    assert client.get(f"/console/events/{other.pk}/dashboard/").status_code == 200


# --- the team page ---------------------------------------------------------------------------


def team_url(event: Event, *tail: str) -> str:
    return "/".join([f"/console/events/{event.pk}/team", *tail, ""]).replace("//", "/")


def test_the_team_page_lists_facilitators_and_organisers(event, organiser, facilitator_client):
    page = text(facilitator_client.get(team_url(event)))
    assert "fran" in page
    assert "Orla" in page
    assert page.index("Facilitator") < page.index("Organiser")
    assert "Make an invitation link" in page


def test_an_organiser_sees_the_team_without_its_controls(event, organiser):
    page = text(logged_in(organiser).get(team_url(event)))
    assert "Orla" in page
    assert "Make an invitation link" not in page
    assert "Remove" not in page


def test_a_facilitator_adds_an_account_by_username_or_email(event, facilitator_client):
    by_name = User.objects.create_user(username="amir", email="amir@example.org")
    by_email = User.objects.create_user(username="bea", email="Bea@Example.org")
    answer = facilitator_client.post(
        team_url(event, "add"), {"who": "amir", "role": "organiser", "key": uuid.uuid4()}
    )
    assert answer.status_code == 302
    answer = facilitator_client.post(
        team_url(event, "add"),
        {"who": "bea@example.org", "role": "facilitator", "key": uuid.uuid4()},
        follow=True,
    )
    assert "bea is now on the team as facilitator." in text(answer)
    assert list(event.organisers.all()) == [by_name]
    assert by_email in event.facilitators.all()


def test_adding_someone_already_on_the_team_changes_nothing(event, organiser, facilitator_client):
    before = everything()
    answer = facilitator_client.post(
        team_url(event, "add"), {"who": "orla", "role": "facilitator", "key": uuid.uuid4()}
    )
    assert answer.status_code == 409
    assert "Orla is already on this event's team as organiser; nothing was changed." in text(answer)
    assert everything() == before


def test_adding_an_unknown_account_is_refused_at_its_field(event, facilitator_client):
    before = everything()
    answer = facilitator_client.post(
        team_url(event, "add"), {"who": "nobody@example.org", "role": "organiser"}
    )
    assert answer.status_code == 400
    assert "No account has that username or email address." in text(answer)
    assert 'aria-invalid="true"' in text(answer)
    assert everything() == before


@pytest.mark.parametrize(
    "data",
    [{"who": "", "role": "organiser"}, {"who": "x" * 255, "role": "organiser"},
     {"who": "fran", "role": "owner"}, {"who": "fran", "role": "organiser", "key": "nope"}],
    ids=["blank", "too-long", "no-such-role", "forged-key"],
)  # fmt: skip
def test_a_bad_add_form_is_a_400_and_changes_nothing(event, facilitator_client, data):
    before = everything()
    assert facilitator_client.post(team_url(event, "add"), data).status_code == 400
    assert everything() == before


def test_an_organiser_cannot_invite_add_or_remove(event, organiser, co_facilitator):
    client = logged_in(organiser)
    before = everything()
    for url, data in [
        (team_url(event, "invite"), {"role": "facilitator"}),
        (team_url(event, "add"), {"who": "cora", "role": "organiser"}),
        (team_url(event, "members", str(co_facilitator.pk), "remove"), {}),
    ]:
        answer = client.post(url, data)
        assert answer.status_code == 403
        assert CANNOT_INVITE in text(answer)
    assert everything() == before


def test_the_last_facilitator_cannot_be_removed(event, facilitator, facilitator_client):
    before = everything()
    answer = facilitator_client.post(team_url(event, "members", str(facilitator.pk), "remove"))
    assert answer.status_code == 409
    assert "An event needs at least one facilitator" in text(answer)
    assert everything() == before


def test_a_facilitator_removes_a_member(event, organiser, co_facilitator, facilitator_client):
    for member in (organiser, co_facilitator):
        answer = facilitator_client.post(team_url(event, "members", str(member.pk), "remove"))
        assert answer.status_code == 302
    assert list(event.facilitators.values_list("username", flat=True)) == ["fran"]
    assert not event.organisers.exists()
    assert logged_in(organiser).get(team_url(event)).status_code == 404


def test_removing_someone_not_on_the_team_is_not_found(event, outsider, facilitator_client):
    before = everything()
    for user_id in (outsider.pk, 999_999):
        answer = facilitator_client.post(team_url(event, "members", str(user_id), "remove"))
        assert answer.status_code == 404
        assert "That person is not on this event's team." in text(answer)
    assert everything() == before


# --- invitation links ------------------------------------------------------------------------

LINK = re.compile(r'value="(http://testserver/team/([A-Za-z0-9_-]{43})/)"')


def make_link(client: Client, event: Event, role: str = "facilitator", key=None) -> str:
    answer = client.post(team_url(event, "invite"), {"role": role, "key": key or uuid.uuid4()})
    assert answer.status_code == 200
    found = LINK.search(text(answer))
    assert found, text(answer)
    return found.group(1).removeprefix("http://testserver")


def sign_up(client: Client, link: str, username: str = "nia", **extra) -> object:
    data = {
        "username": username,
        "first_name": "Nia Okafor",
        "email": f"{username}@example.org",
        "password1": STRONG,
        "password2": STRONG,
        **extra,
    }
    return client.post(link, data)


def test_a_new_person_accepts_an_invitation_by_making_an_account(event, facilitator_client):
    link = make_link(facilitator_client, event, "organiser")
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in link  # only the hash is kept
    assert link.split("/")[2] not in str(list(Invitation.objects.values()))
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=13)

    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert "Sign in to accept" in text(page)
    assert "Create an account" in text(page)
    assert f"/accounts/login/?next={link}" in text(page)

    answer = sign_up(newcomer, link)
    assert answer.status_code == 302
    assert answer["Location"] == "/console/"
    user = User.objects.get(username="nia")
    assert (user.first_name, user.email) == ("Nia Okafor", "nia@example.org")
    assert list(event.organisers.all()) == [user]
    invitation.refresh_from_db()
    assert invitation.used_by == user
    assert invitation.used_at is not None
    home = newcomer.get("/console/")
    assert "You are now on the team of Productivity Day as organiser." in text(home)
    assert event.name in text(home)
    assert newcomer.get(f"/console/events/{event.pk}/dashboard/").status_code == 200


def test_a_signed_in_person_accepts_an_invitation(event, outsider, facilitator_client):
    link = make_link(facilitator_client, event, "facilitator")
    client = logged_in(outsider)
    page = client.get(link)
    assert "Accept as olly" in text(page)
    assert not event.facilitators.filter(pk=outsider.pk).exists()  # opening it is not accepting
    assert client.post(link).status_code == 302
    assert event.facilitators.filter(pk=outsider.pk).exists()
    assert client.get(f"/console/events/{event.pk}/workshops/new/").status_code == 200


def test_signing_in_from_the_invitation_comes_back_to_it(event, outsider, facilitator_client):
    link = make_link(facilitator_client, event)
    answer = Client().post(
        "/accounts/login/", {"username": "olly", "password": "pw-olly-123", "next": link}
    )
    assert answer.status_code == 302
    assert answer["Location"] == link


def test_the_inviting_form_replayed_makes_no_second_link(event, facilitator_client):
    key = uuid.uuid4()
    make_link(facilitator_client, event, key=key)
    before = everything()
    answer = facilitator_client.post(team_url(event, "invite"), {"role": "organiser", "key": key})
    assert answer.status_code == 409
    assert "That invitation link was already made" in text(answer)
    assert everything() == before


@pytest.mark.parametrize(
    ("spoil", "status", "message"),
    [
        ("used", 409, "This invitation link has already been used."),
        ("revoked", 409, "This invitation link was withdrawn."),
        ("expired", 409, "This invitation link has expired."),
        ("forged", 404, "This invitation link is not valid"),
    ],
)
def test_a_spoilt_invitation_is_refused_and_changes_nothing(
    event, outsider, facilitator_client, spoil, status, message
):
    link = make_link(facilitator_client, event)
    invitation = Invitation.objects.get()
    if spoil == "used":
        sign_up(Client(), link, username="first")
    elif spoil == "revoked":
        facilitator_client.post(team_url(event, "invitations", str(invitation.pk), "revoke"))
    elif spoil == "expired":
        Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    else:
        link = link[:-5] + ("AAAA" if not link.endswith("AAAA/") else "BBBB") + "/"
    signed_in = logged_in(outsider)
    before = everything()
    for answer in (
        Client().get(link),
        sign_up(Client(), link, username="second"),
        signed_in.post(link),
    ):
        assert answer.status_code == status
        assert message in text(answer)
    assert everything() == before


def test_accepting_when_already_on_the_team_changes_nothing(event, organiser, facilitator_client):
    link = make_link(facilitator_client, event)
    client = logged_in(organiser)
    before = everything()
    answer = client.post(link)
    assert answer.status_code == 409
    assert "already on this event's team" in text(answer)
    assert everything() == before
    assert Invitation.objects.get().is_open


def test_withdrawing_another_events_invitation_is_not_found(event, outsider, facilitator_client):
    other = outsider.facilitated_events.get()
    theirs, _ = team.invite(event=other, role=Role.ORGANISER, by=outsider, key=None)
    before = everything()
    answer = facilitator_client.post(team_url(event, "invitations", str(theirs.pk), "revoke"))
    assert answer.status_code == 404
    assert everything() == before


def test_withdrawing_twice_is_refused(event, facilitator_client):
    make_link(facilitator_client, event)
    url = team_url(event, "invitations", str(Invitation.objects.get().pk), "revoke")
    assert facilitator_client.post(url).status_code == 302
    before = everything()
    answer = facilitator_client.post(url)
    assert answer.status_code == 409
    assert "no longer open" in text(answer)
    assert everything() == before


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"password1": "short", "password2": "short"}, "password2", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password2", "too common"),
        ({"password2": "something-else-entirely"}, "password2", "didn\u2019t match"),
        ({"password1": "nia-okafor", "password2": "nia-okafor"}, "password2", "too similar"),
        ({"username": "FRAN"}, "username", "already exists"),
        ({"username": ""}, "username", "This field is required"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"first_name": "x" * 151}, "first_name", "at most 150"),
    ],
    ids=["short", "common", "mismatch", "like-name", "taken", "blank", "email", "long-name"],
)
def test_a_bad_sign_up_is_refused_at_its_field_and_makes_nothing(
    event, facilitator_client, extra, field, message
):
    link = make_link(facilitator_client, event)
    before = everything()
    answer = sign_up(Client(), link, **extra)
    assert answer.status_code == 400
    page = text(answer)
    assert message in page
    assert f'aria-describedby="id_{field}_error' in page or f'id="id_{field}_error"' in page
    assert everything() == before


def test_sign_ups_from_one_address_are_limited(event, facilitator_client, settings):
    settings.SIGN_UPS_ALLOWED = 2
    link = make_link(facilitator_client, event)
    for _attempt in range(2):
        assert sign_up(Client(), link, password2="mismatch").status_code == 400
    before = everything()
    answer = sign_up(Client(), link)
    assert answer.status_code == 429
    assert "Too many accounts were made from your address just now" in text(answer)
    assert everything() == before


@pytest.mark.parametrize(
    "path",
    ["/console/events/{event}/team/", "/console/events/{event}/dashboard/",
     "/console/workshops/{workshop}/", "/console/workshops/{workshop}/archive/"],
)  # fmt: skip
def test_no_role_is_answered_as_if_nothing_were_there(path, workshop, outsider_client):
    theirs = outsider_client.get(path.format(event=workshop.event_id, workshop=workshop.pk))
    missing = outsider_client.get(path.format(event=999_999, workshop=999_999))
    assert theirs.status_code == missing.status_code == 404
    csrf = re.compile(r'"X-CSRFToken": "[^"]*"')  # a fresh one on each page
    assert csrf.sub("", text(theirs)) == csrf.sub("", text(missing))
