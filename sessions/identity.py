"""The delegate's pseudonymous identity: a per-event key held in a signed cookie.

Read from `request.COOKIES` by views and from `scope["cookies"]` by consumers, through the
same function, so both transports agree on who a delegate is.
"""

from collections.abc import Mapping

from django.core import signing
from django.http import HttpResponse

SALT = "facilitate.delegate"
MAX_AGE_SECONDS = 60 * 60 * 24 * 120


def cookie_name(event_id: int) -> str:
    return f"delegate_{event_id}"


def read_delegate_key(cookies: Mapping[str, str], event_id: int) -> str | None:
    name = cookie_name(event_id)
    raw = cookies.get(name)
    if not raw:
        return None
    try:
        return signing.get_cookie_signer(salt=name + SALT).unsign(raw, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None


def delegate_keys(cookies: Mapping[str, str]) -> dict[int, str]:
    """Every event's delegate key this phone holds (a phone that joined workshops of two
    events holds two), by event id; unsigned, so a forged or expired cookie is left out."""
    keys = {}
    for name in cookies:
        event_id = name.removeprefix("delegate_")
        if event_id != name and event_id.isdigit() and event_id.isascii():
            key = read_delegate_key(cookies, int(event_id))
            if key:
                keys[int(event_id)] = key
    return keys


def signed_cookie_value(event_id: int, key: str) -> str:
    name = cookie_name(event_id)
    return signing.get_cookie_signer(salt=name + SALT).sign(key)


def remember_delegate(response: HttpResponse, event_id: int, key: str) -> None:
    response.set_cookie(
        cookie_name(event_id),
        signed_cookie_value(event_id, key),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
    )
