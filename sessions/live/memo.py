"""What the frames drawn together share: a value computed once for all of them.

A push renders a frame per audience (the projector's and the consoles' are usually due at
the same moment). Drawn together (`sessions.live.regions.render_frames`), at one version read
before any of them, they may share what each would read and compute alike (the workshop and
its current step, a vote's poll and its tally): `shared(key, compute)` computes it once within
`sharing()`, and every time outside. What is shared is only read by the frames, never changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


@contextmanager
def sharing() -> Iterator[None]:
    """Within (on this thread), `shared` computes each key once."""
    previous: dict[Hashable, Any] | None = getattr(_local, "values", None)
    _local.values = {}
    try:
        yield
    finally:
        _local.values = previous


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per `key` within `sharing()`."""
    values: dict[Hashable, Any] | None = getattr(_local, "values", None)
    if values is None:
        return compute()
    if key not in values:
        values[key] = compute()
    result: T = values[key]
    return result
