"""Delegates join by QR link or typed code; the same phone is the same delegate."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions.agenda import services
from sessions.models import Attendance, Delegate
from sessions.tokens import JOIN_CODE_ALPHABET
from tests.conftest import join
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def distinct_codes(n: int) -> list[str]:
    """n different well-formed join codes."""
    base = len(JOIN_CODE_ALPHABET)
    return [
        "".join(JOIN_CODE_ALPHABET[(i // base**place) % base] for place in range(6))
        for i in range(n)
    ]


def test_qr_link_shows_the_workshop_and_an_optional_name_field(workshop):
    response = Client().get(f"/j/{workshop.join_token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert workshop.title in html
    assert 'name="display_name"' in html
    assert "Your name (optional)" in html


def test_joining_by_qr_link_lands_on_the_phone_page(workshop):
    client = Client()
    response = client.post(f"/j/{workshop.join_token}/", {"display_name": "  Dana   Smith "})
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Joined as Dana Smith" in page.content.decode()
    assert Attendance.objects.filter(workshop=workshop).count() == 1


def test_the_same_phone_rejoining_is_the_same_delegate(workshop):
    client = Client()
    first = join(client, workshop, "Dana")
    again = client.get(f"/j/{workshop.join_token}/")
    assert again.status_code == 302  # a known phone goes straight in
    second = join(client, workshop, "Dana B")
    assert first.pk == second.pk
    assert Delegate.objects.count() == 1
    assert Attendance.objects.count() == 1
    second.refresh_from_db()
    assert second.display_name == "Dana B"


def test_two_phones_are_two_delegates(workshop):
    join(Client(), workshop)
    join(Client(), workshop)
    assert Attendance.objects.filter(workshop=workshop).count() == 2


def test_typed_code_is_case_insensitive_and_ignores_spaces(workshop):
    code = workshop.join_code
    typed = f" {code[:3].lower()} {code[3:].lower()} "
    response = Client().post("/join", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/j/{workshop.join_token}/"


def test_unknown_code_gets_a_clear_message(workshop):
    response = Client().post("/join", {"code": "QQQQQQ"})
    assert response.status_code == 400
    assert "did not match a workshop" in response.content.decode()


def test_expired_code_is_refused_like_an_unknown_one(workshop):
    workshop.join_code_expires_at = timezone.now() - timedelta(minutes=1)
    workshop.save()
    response = Client().post("/join", {"code": workshop.join_code})
    assert response.status_code == 400
    assert "did not match a workshop" in response.content.decode()


def test_malformed_code_says_what_a_code_looks_like(workshop):
    response = Client().post("/join", {"code": "x" * 500})
    assert response.status_code == 400
    assert (
        "6 letters and numbers" in response.content.decode()
        or "at most" in response.content.decode()
    )


def test_failed_codes_are_rate_limited_per_address(workshop, settings):
    settings.JOIN_CODE_FAILURES_ALLOWED = 3
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert client.post("/join", {"code": "QQQQQQ"}).status_code == 400
    limited = client.post("/join", {"code": "QQQQQR"})
    assert limited.status_code == 429
    html = limited.content.decode()
    assert "Too many wrong codes from this network. Wait " in html
    assert "minutes and try again, or scan the QR code" in html
    # Guessing stays limited, but the person with the right code is never turned away...
    meanwhile = client.post("/join", {"code": workshop.join_code})
    assert meanwhile.status_code == 302
    assert meanwhile["Location"] == f"/j/{workshop.join_token}/"
    assert client.post("/join", {"code": "QQQQQT"}).status_code == 429
    # ...and another address keeps its own budget.
    elsewhere = Client(REMOTE_ADDR="198.51.100.8").post("/join", {"code": "QQQQQQ"})
    assert elsewhere.status_code == 400


def test_a_correct_code_joins_after_hundreds_of_wrong_ones_from_the_same_address(
    workshop, settings
):
    venue = Client(REMOTE_ADDR="203.0.113.7")
    wrong_accepted = correct_accepted = 0
    wrong_codes = [code for code in distinct_codes(301) if code != workshop.join_code][:300]
    for tried, code in enumerate(wrong_codes):
        response = venue.post("/join", {"code": code})
        # Wrong within the budget, then too many.
        expected = 400 if tried < settings.JOIN_CODE_FAILURES_ALLOWED else 429
        assert response.status_code == expected, (tried, response.status_code)
        wrong_accepted += response.status_code == 302
    for _ in range(300):
        response = venue.post("/join", {"code": workshop.join_code.lower()})
        correct_accepted += response.status_code == 302
    assert (wrong_accepted, correct_accepted) == (0, 300)


def test_malformed_codes_are_not_counted_as_guesses(workshop, settings):
    settings.JOIN_CODE_FAILURES_ALLOWED = 1
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(5):
        response = client.post("/join", {"code": "ABC"})
        assert response.status_code == 400
        assert "6 letters and numbers" in response.content.decode()
    assert client.post("/join", {"code": "QQQQQQ"}).status_code == 400


def test_the_wait_shortens_as_the_window_slides(workshop, settings, monkeypatch):
    settings.JOIN_CODE_FAILURES_ALLOWED = 3
    settings.JOIN_CODE_FAILURE_WINDOW_SECONDS = 300
    now = [1_000_000 * 300 + 10.0]  # 10 s into a window
    monkeypatch.setattr("sessions.ratelimit.time.time", lambda: now[0])
    client = Client(REMOTE_ADDR="198.51.100.10")
    for _ in range(3):
        assert client.post("/join", {"code": "QQQQQQ"}).status_code == 400
    assert client.post("/join", {"code": "QQQQQQ"}).status_code == 429
    limited = client.post("/join", {"code": "QQQQQQ"})
    assert limited.status_code == 429
    # Budget 3, 4 failures 10 s into a 300 s window: under budget again once this window's
    # weight has faded to 3/4, a quarter of the way into the next window: 365 s from now.
    assert "Wait 7 minutes" in limited.content.decode()
    now[0] += 290 + 100  # a third into the next window: 4 x 2/3 + 1 is still over 3
    assert client.post("/join", {"code": "QQQQQQ"}).status_code == 429
    now[0] += 150  # 4 x 1/6 + 2 is under 3
    assert client.post("/join", {"code": "QQQQQQ"}).status_code == 400


def test_a_correct_code_joins_when_the_cache_is_unreachable(workshop, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    client = Client(REMOTE_ADDR="198.51.100.11")
    with caplog.at_level("WARNING", logger="sessions.ratelimit"):
        wrong = client.post("/join", {"code": "QQQQQQ"})
        right = client.post("/join", {"code": workshop.join_code})
    assert wrong.status_code == 400
    assert "did not match a workshop" in wrong.content.decode()
    assert right.status_code == 302
    assert right["Location"] == f"/j/{workshop.join_token}/"
    assert "Join-code limiter off: the cache is unreachable" in caplog.text


def test_successful_joins_are_not_rate_limited(workshop, settings):
    settings.JOIN_CODE_FAILURES_ALLOWED = 3
    for _ in range(10):
        response = Client().post("/join", {"code": workshop.join_code})
        assert response.status_code == 302


def test_over_long_name_is_refused_with_a_message(workshop):
    client = Client()
    response = client.post(f"/j/{workshop.join_token}/", {"display_name": "x" * 41})
    assert response.status_code == 400
    assert "at most 40 characters" in response.content.decode()
    assert Delegate.objects.count() == 0


def test_forged_join_link_is_not_found(workshop):
    response = Client().get("/j/not-a-real-token/")
    assert response.status_code == 404
    assert "join link is not valid" in response.content.decode()


def test_joining_a_finished_workshop_is_refused(workshop):
    services.close_workshop(workshop=workshop)
    response = Client().post(f"/j/{workshop.join_token}/", {"display_name": "Late"})
    assert response.status_code == 409
    assert "finished" in response.content.decode()
    assert Delegate.objects.count() == 0


def test_phone_page_refuses_a_phone_that_has_not_joined(workshop, stranger_client):
    response = stranger_client.get(f"/w/{workshop.pk}/")
    assert response.status_code == 404
    assert "has not joined that workshop" in response.content.decode()


def test_phone_page_of_another_workshop_is_not_found(delegate_client, other_workshop):
    response = delegate_client.get(f"/w/{other_workshop.pk}/")
    missing = delegate_client.get("/w/999999/")
    assert response.status_code == missing.status_code == 404
    message = "This phone has not joined that workshop."
    assert message in response.content.decode()
    assert message in missing.content.decode()


def test_forged_cookie_is_not_a_delegate(workshop, delegate_client):
    name = f"delegate_{workshop.event_id}"
    forged = Client()
    forged.cookies[name] = delegate_client.delegate.key  # unsigned: must not be accepted
    assert forged.get(f"/w/{workshop.pk}/").status_code == 404
