"""A serving process, as daphne starts it, tunes its garbage collector once the app is loaded."""

import json
import subprocess
import sys

from facilitate.asgi import GC_THRESHOLDS


def test_loading_the_application_freezes_what_it_loaded_and_raises_the_thresholds() -> None:
    # A fresh interpreter, as daphne's: it imports the application and nothing else.
    probe = (
        "import gc, json; before = gc.get_threshold(); import facilitate.asgi;"
        "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    before, after, frozen = json.loads(run.stdout)
    assert before == [700, 10, 10]
    assert after == list(GC_THRESHOLDS)
    assert frozen > 10_000  # Django's, Channels' and the app's objects, out of every collection
