"""Hostile input gets a 4xx and changes nothing: malformed tokens in addresses, numbers that
are not plain ASCII digits, and numbers too long to mean anything.

These run on SQLite and on PostgreSQL (`DATABASE_URL`); PostgreSQL refuses a NUL byte in a
text parameter, so a malformed token must never reach the database.
"""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from facilitate.asgi import application
from sessions.consumers import NOT_ALLOWED
from tests.routes import app_routes, fill

pytestmark = pytest.mark.django_db

BAD_TOKENS = {
    "a NUL byte": "abc\x00def",
    "a percent-encoded NUL": "abc%00def",
    "only a NUL": "%00",
    "an over-long token": "A" * 65,
    "a very long token": "A" * 5000,
    "non-ASCII letters": "tökén",
    "Arabic-Indic digits": "\u0663\u0664\u0665",
    "superscript digits": "\u00b2\u00b3",
    "full-width letters": "\uff21\uff22\uff23",
    "a space": "abc def",
    "a dot": "abc.def",
}


def token_routes() -> list[str]:
    """Every route whose address carries a token, other ids filled in, the token left as
    `<token:token>`."""
    found = []
    for route in app_routes():
        if "token" in route.converters:
            ids = {keyword: 1 for keyword in route.converters if keyword != "token"}
            found.append(fill(route, {**ids, "token": "<token:token>"}))
    return found


TOKEN_ROUTES = token_routes()


def test_the_token_routes_are_all_found():
    expected = {
        "/j/<token:token>/",
        "/c/1/<token:token>/",
        "/me/<token:token>/",
        "/me/<token:token>/download/",
        "/me/<token:token>/erase/",
        "/display/<token:token>/",
        "/display/<token:token>/live/",
        "/s/<token:token>/",
        "/snapshot/<token:token>/",
        "/snapshot/<token:token>/q/1/",
        "/snapshot/<token:token>/about/",
        "/snapshot/<token:token>/challenges/",
        "/snapshot/<token:token>/results/",
        "/snapshot/<token:token>/retake/",
        "/archive/<token:token>/",
        "/archive/<token:token>/print/",
    }
    assert expected <= set(TOKEN_ROUTES)


def test_every_token_in_an_address_goes_through_the_token_converter():
    """One place decides what can be a token; a new route with a token must use it."""
    for route in app_routes():
        if "token" in route.converters:
            assert route.converters["token"] == "token", route.route


@pytest.mark.parametrize("route", TOKEN_ROUTES)
@pytest.mark.parametrize("bad", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_that_cannot_be_one_is_not_found(route, bad, workshop, facilitator):
    """Anyone, GET or POST: a 404, never a database error."""
    path = route.replace("<token:token>", bad)
    anonymous = Client()
    assert anonymous.get(path).status_code == 404
    assert anonymous.post(path, {"display_name": "x"}).status_code == 404
    signed_in = Client()
    signed_in.force_login(facilitator)
    assert signed_in.get(path).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bad", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_the_projector_socket_refuses_a_token_that_cannot_be_one(bad, workshop):
    communicator = WebsocketCommunicator(
        application,
        f"/ws/display/{bad}/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await communicator.connect(timeout=5)
    try:
        assert connected
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": NOT_ALLOWED}
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_socket_address_is_refused_the_same_way():
    communicator = WebsocketCommunicator(
        application, "/ws/nowhere/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect(timeout=5)
    try:
        assert connected
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": NOT_ALLOWED}
    finally:
        await communicator.disconnect()


def test_a_good_token_still_works(workshop):
    assert Client().get(f"/display/{workshop.display_token}/").status_code == 200
