"""Rate limit on failed join-code attempts, per client address.

Only failures count: a whole venue shares one address, so successful joins are never limited.
Counts live in Django's cache (Redis when several processes run).
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest) -> str:
    return "join-failures:" + request.META.get("REMOTE_ADDR", "unknown")


def failures_exceeded(request: HttpRequest) -> bool:
    return cache.get(_key(request), 0) >= settings.JOIN_CODE_FAILURES_ALLOWED


def record_failure(request: HttpRequest) -> None:
    key = _key(request)
    cache.add(key, 0, timeout=settings.JOIN_CODE_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.JOIN_CODE_FAILURE_WINDOW_SECONDS)
