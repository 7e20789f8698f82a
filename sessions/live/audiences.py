"""The audiences of a workshop and the live regions each one sees.

Every region is a named partial in `templates/workshops/live/<audience>.html`; see
`sessions.live.regions` for how they are rendered.
"""

from __future__ import annotations

DELEGATE = "delegate"


PROJECTOR = "projector"


FACILITATOR = "facilitator"


# The facilitator's remote: a phone in one hand, by login or by a remote link.
REMOTE = "remote"


REGIONS: dict[str, tuple[str, ...]] = {
    # "suggest" (the ideas to suggest a theme for) is also drawn by the step region.
    # "reactions" (the ideas to give +1s to) is drawn while an ideas step asks for them.
    # "timer" is the facilitator's countdown over any step (`sessions.timer`).
    DELEGATE: (
        "status",
        "timer",
        "ask_tab",
        "step",
        "results",
        "suggest",
        "reactions",
        "questions",
    ),
    PROJECTOR: (
        "status",
        "timer",
        "presence",
        "step",
        "results",
        "ideas",
        "commitments",
        "join",
        "questions",
    ),
    FACILITATOR: (
        "presenter",
        "status",
        "timer",
        "presence",
        "agenda",
        "step",
        "results",
        "ideas",
        "commitments",
        "join",
        "questions",
    ),
    # "remote" is the whole remote (the step on screen, its controls, its notes, the next
    # step): one region, drawn once per version for every remote.
    REMOTE: ("presence", "timer", "remote"),
}


# What each region shows depends on the step on screen, except these: moving the room to
# another step (or finishing) redraws every other region, so a screen open since the start
# shows exactly what a freshly loaded one does.
# The Q&A (#questions) is open alongside any step.
STEP_INDEPENDENT = frozenset({"status", "presence", "join", "ask_tab", "questions"})


STEP_REGIONS = frozenset(
    name for names in REGIONS.values() for name in names if name not in STEP_INDEPENDENT
)


def group_name(workshop_id: int, audience: str) -> str:
    """The channel layer group of a workshop's sockets of one audience."""
    return f"workshop.{workshop_id}.{audience}"


# Drawn from what the workshop's version does not count (who is here now, kept in memory or
# Redis, not in the change log): a frame at a version a socket has may still bring news.
UNVERSIONED = frozenset({"presence"})

# New ideas reach this region as appends (its partial `ideas_appended`), not as a fresh one.
APPENDABLE = "ideas"
