"""Every route of the site, read from the URL resolver, so tests that walk them cover a new
route by its being added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

METHODS_DECORATOR = "require_http_methods.<locals>.decorator.<locals>.inner"


def declared_methods(view) -> list[str] | None:
    """The methods a function view's `require_http_methods` (or require_GET, require_POST,
    require_safe) lets through, found through the decorators' `__wrapped__` chain."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and code.co_qualname == METHODS_DECORATOR:
            cells = dict(zip(code.co_freevars, view.__closure__, strict=True))
            return list(cells["request_method_list"].cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


@dataclass(frozen=True)
class Route:
    route: str  # "console/workshops/<int:workshop_id>/", without the leading slash
    pattern: URLPattern
    namespace: str | None

    @property
    def name(self) -> str:
        return f"{self.namespace}:{self.pattern.name}" if self.namespace else self.pattern.name

    @property
    def methods(self) -> list[str] | None:
        """What the view's method decorator lets through (None if it has none)."""
        return declared_methods(self.pattern.callback)

    @property
    def converters(self) -> dict[str, str]:
        """Each keyword of the route and its converter's name ("int", "token", ...)."""
        return {
            keyword: type(converter).__name__.removesuffix("Converter").lower()
            for keyword, converter in self.pattern.pattern.converters.items()
        }


def routes(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            yield Route(prefix + str(entry.pattern), entry, namespace)


def app_routes() -> list[Route]:
    """Our routes: everything but Django's admin, whose views are Django's own."""
    return [r for r in routes() if not r.route.startswith("admin/")]


def fill(route: Route, values: dict[str, object]) -> str:
    """The address of `route` with each `<converter:keyword>` replaced by values[keyword],
    as given (not escaped, not checked against the converter)."""
    address = route.route
    for keyword in route.converters:
        address = re.sub(rf"<\w+:{keyword}>", lambda _m, k=keyword: str(values[k]), address)
    return "/" + address
