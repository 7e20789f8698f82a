"""A dead socket is noticed within 10 seconds: a page whose server stops answering (frozen,
as a hung process or a dropped network looks to the browser) says "Reconnecting", never
"Live" while frozen; once the server answers again it is live again."""

from __future__ import annotations

import os
import signal
import time

import pytest
from playwright.sync_api import expect

from tests.browser import join_by_qr_link, live
from tests.servers import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_server(django_db_setup, django_db_blocker):
    """A daphne process of this test's own: it is frozen and resumed."""
    with Daphne() as running:
        yield running


def test_a_frozen_server_shows_reconnecting_within_10_seconds_then_live_again(
    browser, own_server, workshop
):
    phone = join_by_qr_link(browser, own_server, workshop, "Dana")
    status = phone.locator("#connection")
    pid = own_server.process.pid
    # Wait for a fresh answer first, so the page's last one is no older than the freeze.
    phone.wait_for_function("() => document.body.dataset.connection === 'live'")
    # Every status the page shows from now on, in order, as it is shown.
    phone.evaluate(
        """() => {
            const el = document.getElementById("connection");
            window.statusLog = [];
            new MutationObserver(() => window.statusLog.push(el.textContent))
                .observe(el, {childList: true, characterData: true, subtree: true});
        }"""
    )
    os.kill(pid, signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:
        expect(status).to_have_text("Reconnecting…", timeout=10_000)
        noticed = time.monotonic() - frozen_at
        assert noticed <= 10.5, f"still 'Live' {noticed:.1f} s after the server froze"
        # The server stays frozen a while longer (the scenario: a hung process), then resumes.
        phone.wait_for_timeout(3_000)
        shown_while_frozen = phone.evaluate("() => window.statusLog.length")
    finally:
        os.kill(pid, signal.SIGCONT)
    live(phone)
    expect(status).to_have_text("Live")
    # Live again, so every status shown while frozen is in the log: from the first
    # "Reconnecting…" until the server resumed, never "Live".
    log = phone.evaluate("() => window.statusLog")
    frozen = log[log.index("Reconnecting…") : shown_while_frozen]
    assert "Live" not in frozen, log
