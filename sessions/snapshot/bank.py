"""The shipped item bank: 18 items, 6 dimensions x 3, one scale for all.

Two items per dimension are core: their wording is fixed for every event so results compare
across events. The third can be reworded (or replaced by another item) per event.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    # What the next level looks like, by the delegate's current level (starting ... leading).
    next_level: dict[str, str]


@dataclass(frozen=True)
class Item:
    code: str
    dimension: str
    text: str
    core: bool


SCALE: tuple[tuple[int, str], ...] = (
    (0, "Not something we do"),
    (1, "Occasionally, or it depends on who is on shift"),
    (2, "In some areas of the business"),
    (3, "Standard practice"),
    (4, "Standard practice that we review and improve"),
)
NOT_SURE = _("Not sure")

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("flow", "Flow and waste", {
        "starting": "Walk one product's journey from order to dispatch and mark where it waits.",
        "developing": "Pick one area, agree a tidy, standard layout and keep it for a month.",
        "established": "Run a regular session where the team removes one source of waiting.",
        "leading": "Share your flow routines with a supplier or a peer firm and learn theirs.",
    }),
    Dimension("measure", "Measuring and improving", {
        "starting": "Choose two or three numbers that show a good day and write them up daily.",
        "developing": "Put the numbers where the team can see them and talk about them weekly.",
        "established": "Link each number to an owner and a short improvement routine.",
        "leading": "Compare your measures with peers and review which ones still matter.",
    }),
    Dimension("goals", "Goals and experiments", {
        "starting": "Write down one goal for the next quarter that everyone can repeat.",
        "developing": "Try one small change as an experiment: a guess, a test, a check.",
        "established": "Keep a short list of running experiments and review it monthly.",
        "leading": "Teach the experiment habit to team leaders so they run their own.",
    }),
    Dimension("people", "People and leadership", {
        "starting": "Ask each person what gets in the way of their work, and act on one answer.",
        "developing": "Hold a short, regular team huddle with a fixed agenda.",
        "established": "Build a skills matrix and plan cross-training from it.",
        "leading": "Let teams own their improvements and give leaders time to coach.",
    }),
    Dimension("digital", "Digital and data", {
        "starting": "Replace one paper form that is copied by hand with a simple shared sheet.",
        "developing": "Choose one system as the single source for orders and stock.",
        "established": "Connect two systems so data is typed in once, not twice.",
        "leading": "Use your data to spot problems early, and review tools yearly.",
    }),
    Dimension("supply", "Supply-chain collaboration", {
        "starting": "Talk to your most important customer about their next six months.",
        "developing": "Agree delivery and quality expectations in writing with key suppliers.",
        "established": "Share forecasts with key suppliers and review performance together.",
        "leading": "Run a joint improvement project with a customer or supplier.",
    }),
)  # fmt: skip
DIMENSION_CODES = tuple(d.code for d in DIMENSIONS)
DIMENSION_BY_CODE = {d.code: d for d in DIMENSIONS}

# The first two items of each dimension are core.
_TEXTS: dict[str, tuple[str, str, str]] = {
    "flow": (
        "Work areas have a set place for tools and materials, kept that way.",
        "We know where work waits between steps, and we act to reduce it.",
        "Changeovers and set-ups follow a written, practised routine.",
    ),
    "measure": (
        "We track a few key numbers (output, quality, delivery) each day or week.",
        "Those numbers are visible to the people doing the work.",
        "When a number goes wrong we look for the root cause, not who to blame.",
    ),
    "goals": (
        "The business has a few clear goals that staff could tell you.",
        "We try changes as small experiments and check whether they worked.",
        "Improvement ideas have an owner and a date to be reviewed.",
    ),
    "people": (
        "Team leaders hold short, regular conversations about the work.",
        "People are trained in more than one job, planned from a skills list.",
        "Staff suggestions are answered, and acted on when they help.",
    ),
    "digital": (
        "Orders, stock and production are held in one system, not in many copies.",
        "We use data from our systems to make decisions, not only to record.",
        "We look at new digital tools in a planned way, trying them small first.",
    ),
    "supply": (
        "We share forecasts or plans with our key suppliers.",
        "We review delivery and quality with key customers and suppliers together.",
        "We have worked with a customer or supplier on a joint improvement.",
    ),
}
ITEMS: tuple[Item, ...] = tuple(
    Item(f"{dim}_{n}", dim, text, core=n <= 2)
    for dim, texts in _TEXTS.items()
    for n, text in enumerate(texts, start=1)
)
ITEM_BY_CODE = {item.code: item for item in ITEMS}
CORE_CODES = frozenset(item.code for item in ITEMS if item.core)
EDITABLE_CODES = tuple(item.code for item in ITEMS if not item.core)


def item_text(code: str, wording: dict[str, str]) -> str:
    """The item's words for an event: its own wording for a non-core item, else the bank's."""
    item = ITEM_BY_CODE[code]
    if item.core:
        return item.text
    return wording.get(code) or item.text
