"""Who is asking, and how many wrong guesses they have made.

`client_address` names the client behind any trusted proxies; the typed-code limiter and the
facilitator sign-in limit (django-axes, see settings) both key on it.

Typed join codes. A whole venue shares one address, so the limiter never refuses a correct
code: the code is looked up first and a match always joins, whatever the address did before.
Only wrong codes count. Each address has a budget of wrong codes over a sliding window
(JOIN_CODE_FAILURES_ALLOWED per JOIN_CODE_FAILURE_WINDOW_SECONDS); past it a wrong code is
answered 429 "too many attempts, wait N minutes" instead of "did not match", and the address
is logged once per window.

Why a sliding-window budget per address, and not per code prefix or a growing delay:
- A correct code always joins, so whichever design is chosen, a guesser who hits learns it:
  no limiter can hide a hit. What makes guessing impractical is the code space (25^6, about
  2.4e8 codes) against the few codes alive at a time, each for JOIN_CODE_LIFETIME_HOURS. The
  budget's job is to tell a person who keeps mistyping to stop and scan the QR code, and to
  make a guessing address visible in the logs.
- A growing delay would mean holding the answer back: views run on the server's thread, so
  sleeping in one would stall every other request of the process.
- Per prefix keys would give a guesser 25 budgets for one, and a venue nothing: its phones
  that type the right code are never counted anyway.
- The sliding window (this window's count plus the last one's, weighted by how much of it
  still overlaps) has no cliff at a window boundary, and needs only atomic counters, which
  both the locmem and the Redis cache offer; no lock, no list of timestamps per address.

The cache may be unreachable (Redis restarting): the limiter then logs it and lets the request
through as if under budget, rather than answering 500 to a room trying to join.

One phone's pace. A phone may send PHONE_MESSAGE_BURST messages at once, then
PHONE_MESSAGES_PER_SECOND: far more than a thumb taps (the page keeps one tap per control in
flight, and after a reconnect resends the few still unanswered at once), far less than a script.
- On a socket, `Pace` (a token bucket in the consumer, as one socket lives in one process):
  a message past it is refused unexecuted, and a socket that keeps going is closed
  (`sessions.live.consumers`).
- Over HTTP, `keep_pace` per delegate (their requests may reach any process): the same sliding
  window of atomic counters as the join codes, a budget of PHONE_MESSAGE_BURST per
  PHONE_MESSAGE_BURST / PHONE_MESSAGES_PER_SECOND seconds, counting refused requests too (a
  phone that keeps going stays refused). Past it: 429 "slow down", nothing changed. An
  unreachable cache lets the command through, as for the join codes.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import redis
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy, ngettext_lazy

from sessions.errors import TooManyAttempts

log = logging.getLogger(__name__)

# What an unreachable cache raises: redis-py's errors (Redis) or the socket's own (OSError).
CACHE_ERRORS = (redis.RedisError, OSError)


# --- the client's address -------------------------------------------------------------------


def _trusted(address: str, proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: HttpRequest) -> str | None:
    """The address of the client, as far as the proxies named in TRUSTED_PROXIES vouch for it.

    REMOTE_ADDR, unless it is a trusted proxy: then the right-most X-Forwarded-For entry that
    is not a trusted proxy. Entries left of it were written by the client and prove nothing (a
    forged left-most entry never wins). An entry that is not an address stops the walk at the
    last trusted hop. With no TRUSTED_PROXIES (the default) the header is never read.
    None when the request has no address (a request built in code, such as force_login's):
    django-axes stores the address in an address column, where a made-up word cannot go.
    """
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    proxies = [ipaddress.ip_network(p, strict=False) for p in settings.TRUSTED_PROXIES]
    if remote is None or not proxies or not _trusted(remote, proxies):
        return remote
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    nearest = remote
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return nearest
        if not _trusted(hop, proxies):
            return hop
        nearest = hop
    return nearest  # every hop is a trusted proxy: the request started at the left-most one


# --- sliding windows of atomic counters -----------------------------------------------------


def _count_hit(name: str, window: float) -> tuple[int, int, float, str]:
    """Count one hit of `name` in the current window of `window` seconds: the previous
    window's count, this one's (with the hit), the fraction of this one gone, and this
    window's key. Raises one of CACHE_ERRORS when the cache is unreachable."""
    bucket, into = divmod(time.time(), window)
    current_key = f"{name}:{int(bucket)}"
    timeout = math.ceil(2 * window)
    cache.add(current_key, 0, timeout=timeout)
    try:
        current = cache.incr(current_key)
    except ValueError:  # expired between add and incr
        cache.set(current_key, 1, timeout=timeout)
        current = 1
    previous = cache.get(f"{name}:{int(bucket) - 1}", 0)
    return previous, current, into / window, current_key


# --- wrong join codes -----------------------------------------------------------------------


def record_join_failure(request: HttpRequest) -> int | None:
    """Count a wrong code from this client. Returns the seconds to wait when the client is past
    its budget, else None. A cache outage is logged and counts as under budget."""
    window = settings.JOIN_CODE_FAILURE_WINDOW_SECONDS
    address = client_address(request) or "unknown"
    try:
        previous, current, elapsed, current_key = _count_hit(f"join-failures:{address}", window)
    except CACHE_ERRORS as error:
        log.warning("Join-code limiter off: the cache is unreachable (%s)", error)
        return None
    wait = _seconds_until_under_budget(previous, current, elapsed, window)
    if wait and _first_time_this_window(current_key, window):
        log.warning("Too many wrong join codes from %s: %d in this window", address, current)
    return wait


def _seconds_until_under_budget(
    previous: int, current: int, elapsed: float, window: int
) -> int | None:
    """With no more failures, when the weighted count falls back under the budget (None: it is
    under now). `elapsed` is the fraction of the current window gone."""
    budget = settings.JOIN_CODE_FAILURES_ALLOWED
    if previous * (1 - elapsed) + current <= budget:
        return None
    if current <= budget:  # within this window, as the previous one's weight fades
        return _seconds(1 - (budget - current) / previous - elapsed, window)
    # only in the next window, as this one's weight fades
    return _seconds(1 + 1 - budget / current - elapsed, window)


def _seconds(fraction_of_window: float, window: int) -> int:
    return max(1, math.ceil(fraction_of_window * window))


def _first_time_this_window(key: str, window: int) -> bool:
    try:
        return cache.add(key + ":logged", 1, timeout=window)
    except CACHE_ERRORS:
        return False


# --- one phone's pace -----------------------------------------------------------------------

SLOW_DOWN = gettext_lazy(
    "Slow down: this phone sent too much at once, so that was not done. "
    "Wait a moment, then try again."
)


class Pace:
    """A token bucket: `burst` messages at once, then `rate` a second (0: none after the
    burst). A message past it is refused and still counted, so a sender that keeps going
    stays refused; `owed` says how many messages past its pace the sender is."""

    def __init__(
        self, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.checked = clock()

    def take(self) -> bool:
        """Count one message; True if it is within the pace."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.checked) * self.rate)
        self.checked = now
        self.tokens -= 1
        return self.tokens >= 0

    @property
    def owed(self) -> float:
        return max(0.0, -self.tokens)


_pace_outage_logged: float | None = None  # when this process last logged a cache outage


def keep_pace(delegate_id: int) -> None:
    """Count one command of this delegate over HTTP; TooManyAttempts (429, "slow down") when
    they are past their pace. A cache outage lets it through (logged once a minute)."""
    global _pace_outage_logged
    burst, rate = settings.PHONE_MESSAGE_BURST, settings.PHONE_MESSAGES_PER_SECOND
    window = burst / rate if rate > 0 else 3600.0
    try:
        previous, current, elapsed, _ = _count_hit(f"phone-pace:{delegate_id}", window)
    except CACHE_ERRORS as error:
        if _pace_outage_logged is None or time.monotonic() - _pace_outage_logged > 60:
            _pace_outage_logged = time.monotonic()
            log.warning("Phone pace over HTTP not checked: the cache is unreachable (%s)", error)
        return
    if previous * (1 - elapsed) + current > burst:
        raise TooManyAttempts(SLOW_DOWN)


# --- facilitator sign-in (django-axes) ------------------------------------------------------

LOGIN_LOCKED_OUT = ngettext_lazy(
    "Too many failed sign-ins for this username from your address. "
    "Wait %(minutes)d minute and try again, or ask an organiser to reset your password.",
    "Too many failed sign-ins for this username from your address. "
    "Wait %(minutes)d minutes and try again, or ask an organiser to reset your password.",
    "minutes",
)


def login_locked_out(
    request: HttpRequest,
    response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in: the sign-in page again, with the reason."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {
        "form": AuthenticationForm(request),
        "locked_out": LOGIN_LOCKED_OUT % {"minutes": minutes},
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def sign_in_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username a failed sign-in is recorded under (django-axes' AXES_USERNAME_CALLABLE).
    Django's sign-in form does not hold the username to the account's length before trying
    it, so a pasted page of text reaches the record, whose column holds 255 characters: kept
    to that, as no account's name is longer."""
    from axes.models import AccessAttempt  # models load after settings name this function

    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username")
    if username is None:
        return None
    return str(username)[: AccessAttempt._meta.get_field("username").max_length]


class SignInLimitBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    """django-axes' guard, first in AUTHENTICATION_BACKENDS. A call to authenticate() without a
    request (the test client's login(), a shell) is no sign-in from an address: there is
    nothing to key a limit on, so it passes to the next backend instead of failing."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Refuses (PermissionDenied) a locked-out sign-in; else None, for the next backend."""
        if request is None:
            return
        super().authenticate(request, username=username, password=password, **kwargs)


# --- accounts made through a team invitation ------------------------------------------------

TOO_MANY_SIGN_UPS = gettext_lazy(
    "Too many accounts were made from your address just now, so this one was not. "
    "Wait a while and try again, or ask the facilitator who invited you."
)


def keep_sign_up_pace(request: HttpRequest) -> None:
    """Count one attempt to make an account from this client address; TooManyAttempts (429)
    past SIGN_UPS_ALLOWED per SIGN_UP_WINDOW_SECONDS, counting refused ones too. The same
    sliding window as the join codes; an unreachable cache lets it through (logged)."""
    address = client_address(request) or "unknown"
    window = settings.SIGN_UP_WINDOW_SECONDS
    try:
        previous, current, elapsed, _ = _count_hit(f"sign-ups:{address}", window)
    except CACHE_ERRORS as error:
        log.warning("Sign-up limiter off: the cache is unreachable (%s)", error)
        return
    if previous * (1 - elapsed) + current > settings.SIGN_UPS_ALLOWED:
        raise TooManyAttempts(TOO_MANY_SIGN_UPS)
