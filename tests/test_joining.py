"""Delegates join by QR link or typed code; the same phone is the same delegate."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions import services
from sessions.models import Attendance, Delegate
from tests.conftest import join

pytestmark = pytest.mark.django_db


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
    client = Client()
    for _ in range(3):
        assert client.post("/join", {"code": "QQQQQQ"}).status_code == 400
    limited = client.post("/join", {"code": workshop.join_code})
    assert limited.status_code == 429
    assert "Too many wrong codes" in limited.content.decode()


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
