"""What happened in a workshop, as services record it, and what each screen redraws for it.

Services name the event (`changed(workshop_id, events.VOTE_CAST)`); they do not know the page
layout. `REDRAWS` is the one table from events to the live regions they change; each audience
redraws the ones it shows (`sessions.live.audiences.REGIONS`). A new idea is also appended to
the walls (`broadcast.ideas_added`), and an author's own list redrawn
(`broadcast.own_ideas_changed`): those pushes name ideas and people, not regions.
"""

from __future__ import annotations

from sessions.live.audiences import STEP_REGIONS

# The workshop and its agenda
STEP_ADDED = "step added"
STEP_EDITED = "step edited"
SHOWN_STEP_EDITED = "the step on screen edited"
STEP_MOVED = "step moved"
STEP_DELETED = "step deleted"
SHOWN_STEP_DELETED = "the step on screen deleted"
STEP_SETTINGS_CHANGED = "step settings changed"
# Presenter notes and planned minutes: the console's agenda, its clock and (for the step on
# screen) its notes; no other audience shows them.
STEP_PLANNED = "step notes or planned minutes changed"
SHOWN_STEP_PLANNED = "the step on screen's notes or planned minutes changed"
STEP_SHOWN = "step shown"
JOIN_CODE_RENEWED = "join code renewed"
JOINING_SHOWN = "joining shown full size or as a strip"
DISPLAY_LINK_RENEWED = "projector link renewed"
WORKSHOP_FINISHED = "workshop finished"
# The facilitator's timer, over any step (`sessions.timer`).
TIMER_STARTED = "timer started"
TIMER_EXTENDED = "timer given a minute more"
TIMER_STOPPED = "timer stopped"
TIMER_ENDED = "timer ran out"
ARCHIVE_SHARING_CHANGED = "archive shared or unshared"
PRESENCE_CHANGED = "presence changed"

# Votes
VOTE_CONFIGURED = "vote configured"
VOTE_OPENED = "vote opened"
VOTE_CLOSED = "vote closed"
VOTE_COUNTDOWN_ENDED = "vote countdown ended"
RESULTS_REVEALED = "results revealed or hidden"
FOCUS_SET = "focus set"
VOTE_CAST = "vote cast"

# Ideas
BOARD_CONFIGURED = "ideas board configured"
BOARD_OPENED = "ideas board opened"
BOARD_CLOSED = "ideas board closed"
STAGE_STARTED = "stage started"
STAGE_ENDED = "stage countdown ended"
STAGES_STOPPED = "stages stopped"
STAGE_TIMES_CHANGED = "stage times changed"
IDEA_SENT = "idea sent"
IDEA_MODERATED = "idea moderated"
CLUSTERS_CHANGED = "clusters changed"
# The ideas delegates may suggest a theme for, or the themes they may choose, changed.
THEME_CHOICES_CHANGED = "theme choices changed"
THEME_SUGGESTED = "theme suggested"
SUGGESTIONS_DISMISSED = "theme suggestions dismissed"
# Quick prioritisation: +1s switched on or off (or the budget changed), one given or taken
# back, and the ideas a phone can give +1s to changed (sent, moderated, clustered).
REACTIONS_SWITCHED = "+1s switched on or off"
REACTION_GIVEN = "+1 given or taken back"
REACTION_CHOICES_CHANGED = "ideas to +1 changed"

# Commitments
COMMITMENT_MADE = "commitment made"
# A returning delegate closed or renewed last edition's commitment: the "Since last time"
# step counts it (`sessions.editions`).
SINCE_LAST_TIME_CHANGED = "last edition's commitment closed or renewed"

# The pulse
PULSE_OPENED = "pulse opened"
PULSE_CLOSED = "pulse closed"
PULSE_REVEALED = "pulse revealed or hidden"
PULSE_ANSWERED = "pulse answered"

# The word cloud
CLOUD_CONFIGURED = "word cloud configured"
CLOUD_OPENED = "word cloud opened"
CLOUD_CLOSED = "word cloud closed"
WORDS_SENT = "cloud words sent or withdrawn"
WORDS_MODERATED = "cloud words shown, hidden or merged"
# Q&A (open alongside any step)
QUESTIONS_SWITCHED = "questions opened, closed or switched"
QUESTION_ASKED = "question asked"
QUESTION_UPVOTED = "question upvoted or upvote taken back"
QUESTION_MODERATED = "question moderated"

# A step's controls: its state on every screen and its line in the console's agenda.
_CONTROLS = frozenset({"step", "results", "agenda"})

REDRAWS: dict[str, frozenset[str]] = {
    STEP_ADDED: frozenset({"agenda"}),
    STEP_EDITED: frozenset({"agenda"}),
    SHOWN_STEP_EDITED: frozenset({"agenda", "step"}),
    STEP_MOVED: frozenset({"agenda"}),
    STEP_DELETED: frozenset({"agenda"}),
    SHOWN_STEP_DELETED: STEP_REGIONS,
    STEP_SETTINGS_CHANGED: frozenset({"step", "commitments"}),
    STEP_PLANNED: frozenset({"agenda"}),
    SHOWN_STEP_PLANNED: frozenset({"agenda", "step"}),
    STEP_SHOWN: STEP_REGIONS,
    JOIN_CODE_RENEWED: frozenset({"join"}),
    JOINING_SHOWN: frozenset({"join"}),
    DISPLAY_LINK_RENEWED: frozenset({"join"}),  # consoles show the projector link
    WORKSHOP_FINISHED: STEP_REGIONS | {"status", "join", "ask_tab", "questions"},
    ARCHIVE_SHARING_CHANGED: frozenset({"status"}),  # phones and projector link to it
    PRESENCE_CHANGED: frozenset({"presence"}),
    TIMER_STARTED: frozenset({"timer"}),
    TIMER_EXTENDED: frozenset({"timer"}),
    TIMER_STOPPED: frozenset({"timer"}),
    TIMER_ENDED: frozenset({"timer"}),
    VOTE_CONFIGURED: _CONTROLS,
    VOTE_OPENED: _CONTROLS,
    VOTE_CLOSED: _CONTROLS,
    VOTE_COUNTDOWN_ENDED: frozenset({"step", "results"}),
    RESULTS_REVEALED: frozenset({"step", "results"}),
    FOCUS_SET: frozenset({"step", "agenda"}),
    VOTE_CAST: frozenset({"results"}),
    BOARD_CONFIGURED: frozenset({"step", "ideas"}),
    BOARD_OPENED: frozenset({"step", "agenda"}),
    BOARD_CLOSED: frozenset({"step", "agenda"}),
    STAGE_STARTED: frozenset({"step", "agenda"}),
    STAGE_ENDED: frozenset({"step"}),
    STAGES_STOPPED: frozenset({"step"}),
    STAGE_TIMES_CHANGED: frozenset({"step"}),
    IDEA_SENT: frozenset(),  # appended to the walls instead (`broadcast.ideas_added`)
    # The projector's wall and the facilitator's board (queue and tallies) are one region.
    IDEA_MODERATED: frozenset({"ideas"}),
    CLUSTERS_CHANGED: frozenset({"ideas"}),
    THEME_CHOICES_CHANGED: frozenset({"suggest"}),
    THEME_SUGGESTED: frozenset({"ideas"}),
    SUGGESTIONS_DISMISSED: frozenset({"ideas"}),
    REACTIONS_SWITCHED: frozenset({"step", "ideas", "reactions"}),
    # Phones show only their own +1s (the ack), not the room's counts.
    REACTION_GIVEN: frozenset({"ideas"}),
    REACTION_CHOICES_CHANGED: frozenset({"reactions"}),
    COMMITMENT_MADE: frozenset({"commitments"}),
    SINCE_LAST_TIME_CHANGED: frozenset({"step"}),
    PULSE_OPENED: _CONTROLS,
    PULSE_CLOSED: _CONTROLS,
    PULSE_REVEALED: _CONTROLS,
    PULSE_ANSWERED: frozenset({"results"}),  # the count, and the results once revealed
    CLOUD_CONFIGURED: _CONTROLS,
    CLOUD_OPENED: _CONTROLS,
    CLOUD_CLOSED: _CONTROLS,
    WORDS_SENT: frozenset({"results"}),  # the cloud grows (a delegate's own list is theirs)
    WORDS_MODERATED: frozenset({"results"}),
    QUESTIONS_SWITCHED: frozenset({"ask_tab", "questions"}),
    QUESTION_ASKED: frozenset({"questions"}),
    QUESTION_UPVOTED: frozenset({"questions"}),
    QUESTION_MODERATED: frozenset({"questions"}),
}


# The console's presenter bar names the step on screen and the next one: redrawn when the
# room moves (STEP_REGIONS) and when the agenda's steps change.
# Its clock shows the step on screen's plan and the workshop's lag.
for _event in (
    STEP_ADDED,
    STEP_EDITED,
    SHOWN_STEP_EDITED,
    STEP_MOVED,
    STEP_DELETED,
    STEP_PLANNED,
    SHOWN_STEP_PLANNED,
):
    REDRAWS[_event] = REDRAWS[_event] | {"presenter"}


# The remote shows the step on screen, its state and controls, and the next step: redrawn
# with any of the console's regions that show those.
for _event, _regions in REDRAWS.items():
    if _regions & {"step", "agenda", "presenter"}:
        REDRAWS[_event] = _regions | {"remote"}


def redraws(*happened: str) -> set[str]:
    """The regions that show what `happened` changed."""
    return set().union(*(REDRAWS[event] for event in happened))
