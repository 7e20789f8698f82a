"""Which pages may open a socket: the site's own, on the same host and the same port.

A browser sends the page's origin (scheme://host[:port]) with every WebSocket handshake and
lets any page open a socket to any site, with that site's cookies. Channels'
`AllowedHostsOriginValidator` compares the Origin's host with ALLOWED_HOSTS and ignores its
port, so a page served from another port of an allowed host (another program on the same
machine or the same address) could open a phone's socket in its name. `SameOriginValidator`
accepts a handshake when:

- its Host header names an allowed host (ALLOWED_HOSTS, as Django checks it for every HTTP
  request; nothing checks it for a socket otherwise), and
- its Origin is the page's own: the same host and port as the Host header (the address the
  browser asked for; behind deploy/nginx.conf, `Host $http_host` passes it on, port
  included), a missing port being the default one of the Origin's scheme; or an origin that
  settings trust, as Django's CSRF check does for form posts: one of CSRF_TRUSTED_ORIGINS
  (``https://*.example.org`` for its subdomains) or PUBLIC_URL's.

The scheme is not compared with the socket's own: behind a proxy that ends TLS the server sees
ws:// for a page's wss://. Anything else (no Origin, "null", no Host) is refused, as Channels
refuses it: a 403 to the handshake, nothing looked up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import SplitResult, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

if TYPE_CHECKING:
    from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
    from channels.consumer import _ChannelScope
    from channels.utils import _ChannelApplication

DEFAULT_PORTS = {"http": 80, "https": 443}

# An ASGI 3 application, as Channels' middleware stacks are (their type admits ASGI 2 too).
App = Callable[[Any, Any, Any], Awaitable[None]]


def _header(scope: _ChannelScope, name: bytes) -> str | None:
    found = None
    for key, value in scope.get("headers", []):
        if key == name:
            found = value.decode("latin-1")
    return found


def _allowed_hosts() -> list[str]:
    hosts: list[str] = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        return [".localhost", "127.0.0.1", "[::1]"]  # as Django's HTTP check does
    return hosts


def _place(parsed: SplitResult, scheme: str) -> tuple[str, int] | None:
    """(host, port) of a parsed origin or host, the port defaulting to `scheme`'s; None if
    it has no host or a port that is not one."""
    try:
        port = parsed.port
    except ValueError:
        return None
    if not parsed.hostname:
        return None
    return parsed.hostname, port if port is not None else DEFAULT_PORTS[scheme]


def _trusted(origin: SplitResult, place: tuple[str, int]) -> bool:
    """The origin is one of CSRF_TRUSTED_ORIGINS (a "*." entry: any of its subdomains) or
    PUBLIC_URL's."""
    trusted = [
        *settings.CSRF_TRUSTED_ORIGINS,
        *([settings.PUBLIC_URL] if settings.PUBLIC_URL else []),
    ]
    for entry in trusted:
        pattern = urlsplit(entry.lower())
        if pattern.scheme != origin.scheme or pattern.scheme not in DEFAULT_PORTS:
            continue
        wildcard = pattern.netloc.startswith("*")
        if wildcard:
            pattern = pattern._replace(netloc=pattern.netloc[1:])
        allowed = _place(pattern, pattern.scheme)
        if allowed is None or allowed[1] != place[1]:
            continue
        if place[0] == allowed[0] or (wildcard and is_same_domain(place[0], allowed[0])):
            return True
    return False


def same_origin(scope: _ChannelScope) -> bool:
    """Whether this handshake comes from one of our own pages (see the module's docstring)."""
    origin_header, host_header = _header(scope, b"origin"), _header(scope, b"host")
    if not origin_header or not host_header:
        return False
    domain, _port = split_domain_port(host_header)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    origin = urlsplit(origin_header.lower())
    if origin.scheme not in DEFAULT_PORTS:
        return False
    place = _place(origin, origin.scheme)
    if place is None:
        return False
    if place == _place(urlsplit(f"//{host_header.lower()}"), origin.scheme):
        return True
    return _trusted(origin, place)


class SameOriginValidator:
    """Passes a WebSocket handshake from one of our own pages on to `application`; refuses
    any other (Channels' denier: the handshake is answered 403)."""

    def __init__(self, application: _ChannelApplication) -> None:
        self.application = cast("App", application)

    async def __call__(
        self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] == "websocket" and same_origin(scope):
            await self.application(scope, receive, send)
        else:
            await WebsocketDenier()(scope, receive, send)
