"""The built-in run sheets: documents in `library/`, in the run sheet format, checked when
first read (a broken one fails loudly, and the tests read them all)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessions.runsheets.document import checked

LIBRARY = Path(__file__).parent / "library"
# In the order the console lists them.
SLUGS = ("challenge-to-commitment", "pick-and-commit", "opening-pulse", "closing-commitments")


@dataclass(frozen=True)
class BuiltIn:
    slug: str
    document: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.document["title"])


@functools.cache
def built_ins() -> tuple[BuiltIn, ...]:
    return tuple(
        BuiltIn(slug, checked(json.loads((LIBRARY / f"{slug}.json").read_text("utf-8"))))
        for slug in SLUGS
    )


def built_in(slug: str) -> BuiltIn | None:
    return next((sheet for sheet in built_ins() if sheet.slug == slug), None)
