"""The client's address behind a proxy: X-Forwarded-For counts only from trusted proxies."""

import pytest
from django.test import Client, RequestFactory

from sessions.ratelimit import client_address

PROXY = "10.0.0.5"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/join", **extra)


def test_the_header_is_ignored_by_default(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_the_header_is_ignored_from_an_address_that_is_not_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_the_header_is_honoured_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request_from(PROXY, "198.51.100.1")) == "198.51.100.1"


def test_a_forged_left_most_entry_does_not_win(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    # The client sent "X-Forwarded-For: 192.0.2.66"; the proxy appended the real peer.
    assert client_address(request_from(PROXY, "192.0.2.66, 198.51.100.1")) == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]
    forwarded = "192.0.2.66, 198.51.100.1, 10.1.2.3"
    assert client_address(request_from(PROXY, forwarded)) == "198.51.100.1"


def test_garbage_in_the_header_falls_back_to_the_nearest_trusted_hop(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]
    assert client_address(request_from(PROXY, "not-an-address, 10.1.2.3")) == "10.1.2.3"
    assert client_address(request_from(PROXY, "")) == PROXY
    assert client_address(request_from(PROXY)) == PROXY


def test_a_request_without_an_address_has_none(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_address(request) is None


@pytest.mark.django_db
def test_signing_in_from_code_records_no_made_up_address(facilitator):
    """force_login's request has no address; the sign-in log must still take it (PostgreSQL
    refuses anything but an address in that column)."""
    client = Client()
    client.force_login(facilitator)
    assert client.get("/console/").status_code == 200


@pytest.mark.django_db
def test_the_join_limiter_counts_the_client_behind_the_proxy(workshop, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.JOIN_CODE_FAILURES_ALLOWED = 2
    proxy = Client(REMOTE_ADDR=PROXY)
    guesser = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for _ in range(2):
        assert proxy.post("/join", {"code": "QQQQQQ"}, **guesser).status_code == 400
    assert proxy.post("/join", {"code": "QQQQQQ"}, **guesser).status_code == 429
    # Another phone behind the same proxy is not held to the guesser's budget, even when it
    # claims to be someone else in a forged left-most entry.
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 198.51.100.2"}
    assert proxy.post("/join", {"code": "QQQQQQ"}, **other).status_code == 400
