"""Personas and shared fixtures.

Personas: `facilitator` (runs `workshop`), `outsider` (a facilitator of another event),
`delegate_client` (a phone that joined `workshop`), `stranger_client` (a phone that did not).
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from sessions import services
from sessions.identity import cookie_name, read_delegate_key, signed_cookie_value
from sessions.models import Delegate, Event, Workshop


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache_namespace():
    """Each test counts join failures afresh (without flushing a shared Redis)."""
    cache.key_prefix = f"test-{uuid.uuid4().hex}"


@pytest.fixture
def facilitator(django_user_model):
    return django_user_model.objects.create_user(username="fran", password="pw-fran-123")


@pytest.fixture
def outsider(django_user_model):
    user = django_user_model.objects.create_user(username="olly", password="pw-olly-123")
    services.create_event(user=user, name="Other event", date=datetime.date(2026, 12, 1))
    return user


@pytest.fixture
def event(facilitator) -> Event:
    return services.create_event(
        user=facilitator, name="Productivity Day", date=datetime.date(2026, 11, 21), venue="Hall"
    )


@pytest.fixture
def workshop(event) -> Workshop:
    return services.create_workshop(event=event, title="Small steps", description="A workshop")


@pytest.fixture
def other_workshop(outsider) -> Workshop:
    other_event = outsider.facilitated_events.get()
    return services.create_workshop(event=other_event, title="Someone else's workshop")


@pytest.fixture
def facilitator_client(facilitator) -> Client:
    client = Client()
    client.force_login(facilitator)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


def join(client: Client, workshop: Workshop, name: str = "") -> Delegate:
    """Join through the QR link as a phone would; returns the delegate the cookie names."""
    response = client.post(f"/j/{workshop.join_token}/", {"display_name": name})
    assert response.status_code == 302, response.content
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return Delegate.objects.get(key=read_delegate_key(cookies, workshop.event_id))


@pytest.fixture
def delegate_client(workshop) -> Client:
    client = Client()
    client.delegate = join(client, workshop, "Dana")
    return client


@pytest.fixture
def stranger_client() -> Client:
    return Client()


def delegate_cookie_header(delegate: Delegate) -> bytes:
    """The Cookie header a joined phone sends, for socket tests."""
    name = cookie_name(delegate.event_id)
    return f"{name}={signed_cookie_value(delegate.event_id, delegate.key)}".encode()
