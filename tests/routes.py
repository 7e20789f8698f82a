"""Every route of the site, read from the URL resolver, so tests that walk them cover a new
route by its being added; and the forms and links of a page, read as a browser reads them."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from html.parser import HTMLParser
from urllib.parse import urljoin

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


# --- the forms and links of a page, as a browser reads them ---------------------------------


@dataclass
class Control:
    """One successful-control candidate of a form: an input, select or textarea."""

    tag: str
    type: str  # "text", "hidden", "number", "checkbox", "select", "textarea", ...
    name: str
    value: str = ""
    checked: bool = False
    options: list[str] = dataclass_field(default_factory=list)  # a select's option values
    selected: list[str] = dataclass_field(default_factory=list)
    multiple: bool = False


@dataclass
class Button:
    name: str
    value: str
    text: str = ""
    formaction: str | None = None
    formmethod: str | None = None


@dataclass
class PageForm:
    action: str  # resolved against the page's address
    method: str  # "GET" or "POST"
    controls: list[Control] = dataclass_field(default_factory=list)
    buttons: list[Button] = dataclass_field(default_factory=list)


SKIPPED_INPUTS = {"submit", "image", "reset", "button", "file"}


class _PageReader(HTMLParser):
    """Every form of a page with its controls and buttons (those inside it and those naming
    it with form="id"), and the page's links (href and hx-get) with what triggers them."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[PageForm] = []
        self.by_id: dict[str, PageForm] = {}
        self.loose: list[tuple[str, str, dict]] = []  # (form id, tag, attrs) seen before it
        self.links: list[tuple[str, str]] = []  # (address, hx-trigger)
        self.headers: dict[str, str] = {}
        self.open: PageForm | None = None
        self.text_of: Button | Control | None = None  # a button's label, a textarea's text
        self.select: Control | None = None
        self.option: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "body" and a.get("hx-headers"):
            with contextlib.suppress(ValueError):
                self.headers = {str(k): str(v) for k, v in json.loads(a["hx-headers"]).items()}
        for attr in ("href", "hx-get"):
            if a.get(attr, "").startswith("/") and not a[attr].startswith("//"):
                self.links.append((a[attr], a.get("hx-trigger", "") if attr == "hx-get" else ""))
        if tag == "form":
            action = urljoin(self.base, a.get("action") or self.base)
            self.open = PageForm(action, (a.get("method") or "get").upper())
            self.forms.append(self.open)
            if a.get("id"):
                self.by_id[a["id"]] = self.open
                for _, loose_tag, loose in [x for x in self.loose if x[0] == a["id"]]:
                    self._add(self.open, loose_tag, loose)
                self.text_of = self.select = None  # their text and options came before
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag in {"input", "button", "select", "textarea"}:
            owner = self.open
            if a.get("form"):
                owner = self.by_id.get(a["form"])
                if owner is None:
                    self.loose.append((a["form"], tag, a))
            self._add(owner, tag, a)

    def _add(self, owner: PageForm | None, tag: str, a: dict) -> None:
        kind = a.get("type", "").lower() or {"input": "text", "button": "submit"}.get(tag, tag)
        control = None
        if tag == "button" or (tag == "input" and kind in {"submit", "image"}):
            if kind == "submit" or tag == "input":
                button = Button(a.get("name", ""), a.get("value", ""), "", a.get("formaction"))
                button.formmethod = (a.get("formmethod") or "").upper() or None
                if owner is not None and "disabled" not in a:
                    owner.buttons.append(button)
                self.text_of = button if tag == "button" else None
            return
        if tag == "input" and kind not in SKIPPED_INPUTS and a.get("name"):
            control = Control(tag, kind, a["name"], a.get("value", "on" if kind in {
                "checkbox", "radio"} else ""), checked="checked" in a)  # fmt: skip
        elif tag == "textarea":
            control = Control(tag, "textarea", a.get("name", ""))
            self.text_of = control
        elif tag == "select":
            control = Control(tag, "select", a.get("name", ""), multiple="multiple" in a)
            self.select = control
        if control is not None and owner is not None and control.name and "disabled" not in a:
            owner.controls.append(control)

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        elif isinstance(self.text_of, Button):
            self.text_of.text += data
        elif isinstance(self.text_of, Control):
            self.text_of.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.open = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value = self.option["value"]
            value = self.option["text"].strip() if value is None else value
            self.select.options.append(value)
            if self.option["selected"]:
                self.select.selected.append(value)
            self.option = None
        elif tag == "select":
            self.select = None
        elif tag in {"button", "textarea"}:
            self.text_of = None


@dataclass
class Page:
    address: str
    forms: list[PageForm]
    links: list[tuple[str, str]]  # (address, hx-trigger)
    headers: dict[str, str]  # the body's hx-headers (the CSRF token htmx sends)


def read_page(html: str, address: str) -> Page:
    reader = _PageReader(address)
    reader.feed(html)
    reader.close()
    links = [(urljoin(address, href), trigger) for href, trigger in reader.links]
    return Page(address, reader.forms, links, reader.headers)


def submission(form: PageForm, button: Button | None) -> tuple[str, str, list[tuple[str, str]]]:
    """What a browser sends when `button` of `form` is pressed (None: Enter in a field):
    (method, address, fields in order). Ticked boxes and chosen options are as drawn."""
    fields: list[tuple[str, str]] = []
    for control in form.controls:
        if control.type in {"checkbox", "radio"}:
            if control.checked:
                fields.append((control.name, control.value))
        elif control.type == "select":
            chosen = control.selected or control.options[:1]
            fields += [
                (control.name, value) for value in (chosen if control.multiple else chosen[:1])
            ]
        else:
            fields.append((control.name, control.value))
    if button is not None and button.name:
        fields.append((button.name, button.value))
    action = (
        urljoin(form.action, button.formaction) if button and button.formaction else form.action
    )
    method = (button.formmethod if button and button.formmethod else form.method) or "GET"
    return method, action, fields
