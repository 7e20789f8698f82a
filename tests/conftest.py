"""Personas and shared fixtures.

Personas: `facilitator` (runs `workshop`), `outsider` (a facilitator of another event),
`delegate_client` (a phone that joined `workshop`), `stranger_client` (a phone that did not).
"""

from __future__ import annotations

import datetime
import os
import shutil
import time
import uuid

import pytest
import redis
from django.core.cache import cache
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import Client, TransactionTestCase

from sessions import access
from sessions.agenda import services
from sessions.identity import cookie_name, read_delegate_key, signed_cookie_value
from sessions.live import roster
from sessions.live.regions import connect_frames
from sessions.models import Delegate, Event, Poll, Workshop
from sessions.voting import services as voting
from sessions.voting.read import answers
from tests.servers import Daphne, RedisServer

_skipped: list[str] = []

_flush_after_test = TransactionTestCase._fixture_teardown


def _flush_retried_after_a_deadlock(self: TransactionTestCase) -> None:
    """Empties the database after a transactional test, as Django does, again if PostgreSQL
    chose the emptying as a deadlock's victim: the test's daphne process is another client of
    the same database, and may still be finishing a write its closed sockets started (a
    disconnect's last roster or presence write) while the flush takes its table locks."""
    for attempt in range(1, 6):
        try:
            _flush_after_test(self)
            return
        except CommandError as error:
            if not isinstance(error.__cause__, OperationalError) or "deadlock" not in str(
                error.__cause__
            ):
                raise
            if attempt == 5:
                raise
            time.sleep(0.2 * attempt)


TransactionTestCase._fixture_teardown = _flush_retried_after_a_deadlock


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a browser or Redis test that cannot run is a failure."""
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        print(f"\nCI: {len(_skipped)} test(s) skipped, which CI does not allow: {_skipped}")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_by_plain_names(settings):
    """Pages rendered in this process name static files as in development (no collectstatic
    needed for a quick test); the servers that browsers and the multi-process tests drive
    serve the collected, hashed files as production does (tests/servers.py)."""
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
    settings.STATIC_ROOT = None  # nothing is collected for this process


@pytest.fixture(autouse=True)
def _fresh_cache_namespace():
    """Each test counts join failures afresh (without flushing a shared Redis)."""
    cache.key_prefix = f"test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _fresh_presence_and_connect_frames():
    """Who is here, the shared connect frames and the phones' remembered memberships are
    per test (ids are reused once a test's rows are gone). Servers a test starts have
    channel prefixes, so stores, of their own."""
    roster.sockets.clear()
    roster.store().clear()
    connect_frames.clear()
    access.forget_members()
    answers.clear()


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


def open_vote_on_screen(
    workshop: Workshop, options: list[str], title: str = "Which challenge first?", **settings
) -> Poll:
    """A vote (a dot vote unless `kind` says otherwise) added, shown to the room and opened."""
    step = voting.add_vote_step(
        workshop=workshop,
        title=title,
        body="",
        settings=voting.PollSettings(**{"kind": "dots", "options": options, **settings}),
    )
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


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


def session_for(user) -> str:
    """A login session cookie value for `user`, usable against a server process."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def delegate_cookie_header(delegate: Delegate) -> bytes:
    """The Cookie header a joined phone sends, for socket tests."""
    name = cookie_name(delegate.event_id)
    return f"{name}={signed_cookie_value(delegate.event_id, delegate.key)}".encode()


# --- real servers ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL if given, else a redis-server of our own. Fails (never skips) without Redis."""
    url = os.environ.get("REDIS_URL")
    server = None
    if not url:
        try:
            server = RedisServer()
        except RuntimeError as error:
            pytest.fail(str(error))
        url = server.url
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                pytest.fail(f"Redis at {url} does not answer")
            time.sleep(0.1)
    yield url
    client.close()
    if server:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _test_database_released(django_db_setup, django_db_blocker):
    """At the end of the run, before the test database is dropped, end the other sessions
    still on it (PostgreSQL refuses to drop a database in use): a connection a test's
    worker thread kept, or a server process still on its way out."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """One daphne process on the test database, as `make run` starts it."""
    with Daphne() as running:
        yield running


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright. Fails (never skips) when it is missing."""
    from playwright.sync_api import sync_playwright

    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is not installed; `make test` installs Debian's chromium package.")
    # Playwright's sync API keeps an event loop running in this thread; the tests' own ORM
    # calls are still plain synchronous code (Django documents this switch for such cases).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def contexts(browser):
    """The test's browser contexts, closed before the database is flushed: a page left open
    (one polling over HTTP) could hold a lock the flush waits for."""
    opened = []

    def new(**options):
        context = browser.new_context(**options)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()
