"""Facilitator sign-in: guessing a password is limited per username and client address."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-fran-123"  # the `facilitator` persona's
LOCKED = "Too many failed sign-ins for this username from your address."


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def lock_out(client: Client, username: str = "fran", **extra):
    """Ten wrong passwords: the first nine say so, the tenth locks the pair out."""
    for _ in range(9):
        response = sign_in(client, username, "wrong-guess", **extra)
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    return sign_in(client, username, "wrong-guess", **extra)


def test_ten_wrong_passwords_lock_the_right_one_out_with_a_message(facilitator, settings):
    client = Client(REMOTE_ADDR="198.51.100.20")
    tenth = lock_out(client)
    assert tenth.status_code == 429
    response = sign_in(client, "fran", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html
    assert "Wait 15 minutes and try again" in html
    assert "Facilitator sign-in" in html  # the sign-in page itself, not a bare error page
    assert 'name="password"' in html
    assert "_auth_user_id" not in client.session
    assert client.get("/console/").status_code == 302


def test_the_cool_off_comes_from_settings(facilitator, settings):
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(minutes=5)
    client = Client(REMOTE_ADDR="198.51.100.21")
    lock_out(client)
    assert "Wait 5 minutes" in sign_in(client, "fran", PASSWORD).content.decode()


def test_another_address_is_not_locked_out(facilitator):
    lock_out(Client(REMOTE_ADDR="198.51.100.22"))
    elsewhere = Client(REMOTE_ADDR="198.51.100.23")
    response = sign_in(elsewhere, "fran", PASSWORD)
    assert response.status_code == 302
    assert elsewhere.get("/console/").status_code == 200


def test_another_user_at_the_same_address_is_not_locked_out(facilitator, outsider):
    client = Client(REMOTE_ADDR="198.51.100.24")
    lock_out(client)
    assert sign_in(client, "olly", "pw-olly-123").status_code == 302


def test_behind_a_trusted_proxy_the_lock_is_the_clients_not_the_proxys(facilitator, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    lock_out(proxy, HTTP_X_FORWARDED_FOR="198.51.100.25")
    assert sign_in(proxy, "fran", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.25").status_code == 429
    other_phone = {"HTTP_X_FORWARDED_FOR": "198.51.100.25, 198.51.100.26"}
    assert sign_in(proxy, "fran", PASSWORD, **other_phone).status_code == 302


def test_a_right_password_before_the_limit_signs_in(facilitator):
    client = Client(REMOTE_ADDR="198.51.100.27")
    for _ in range(9):
        assert sign_in(client, "fran", "wrong-guess").status_code == 200
    assert sign_in(client, "fran", PASSWORD).status_code == 302


def test_the_test_clients_login_still_works(facilitator):
    assert Client().login(username="fran", password=PASSWORD) is True
    assert Client().login(username="fran", password="wrong") is False


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_account_is_a_wrong_sign_in_and_counts(facilitator, path):
    """Django's sign-in form tries any length of username; the failure is still recorded (the
    record's column holds 255 characters) and the page says the sign-in did not match."""
    from axes.models import AccessAttempt

    client = Client(REMOTE_ADDR="198.51.100.30")
    pasted = "x" * 5000
    response = client.post(path, {"username": pasted, "password": "wrong", "next": "/admin/"})
    assert response.status_code == 200
    message = "did not match" if path == "/accounts/login/" else "correct username and password"
    assert message in response.content.decode()
    attempt = AccessAttempt.objects.get(ip_address="198.51.100.30")
    assert attempt.username == "x" * 255
    assert attempt.failures_since_start == 1
