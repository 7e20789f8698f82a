"""Step kinds: what each kind of agenda step does, and the registry that finds it.

A `Step.Kind` value names a kind; the feature that owns the kind provides one `StepKind`
object (in its package's `kind.py`) that knows how to add such a step from the console's
add-step form, what each audience's live regions need while it is on screen, which
partials those regions include, its record in the archive and its CSV exports. The live
regions, the console's `step_add` and the archive ask `kind_of(...)` instead of branching
on the kind.

Each kind module registers its object with `register`; `load()` imports the modules named
in `KIND_MODULES` (from the app's `ready()`), so this module imports no feature and every
feature's `kind.py` imports it: imports run one way. Adding a kind is one module and one
line in `KIND_MODULES` (see the README).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Step, Workshop

# The modules that register a kind, in the order their exports are listed.
KIND_MODULES = (
    "sessions.agenda.kind",
    "sessions.voting.kind",
    "sessions.ideas.kind",
    "sessions.pulse.kind",
    "sessions.commitments.kind",
    "sessions.snapshot.kind",
    "sessions.cloud.kind",
    "sessions.editions.kind",
)

# The regions a kind may fill, in each audience's page (the partials it includes there);
# "ballot" is the phone's slot for the delegate's own fragment beside the step.
KIND_REGIONS = ("step", "results", "ballot")

CHUNK = 500  # rows fetched at a time by an export


@dataclass(frozen=True)
class Export:
    """One CSV file of a workshop's data: its rows are a generator over the database."""

    slug: str
    label: str
    header: Sequence[str]
    rows: Callable[[Workshop], Iterator[Sequence[object]]]

    def filename(self, workshop: Workshop) -> str:
        return f"workshop-{workshop.pk}-{self.slug}.csv"


class StepKind(abc.ABC):
    """What one kind of step does. Every hook is required: a kind with nothing to add to a
    screen or the archive says so (an empty dict, None, no partial)."""

    value: ClassVar[str]  # the `Step.Kind` value
    # "<audience>.<region>" to the partial included in that region while a step of this
    # kind is on screen, e.g. {"projector.step": "workshops/vote/live.html#projector_step"}.
    partials: ClassVar[dict[str, str]] = {}
    # What the archive page includes for a step of this kind (None: the title and text only).
    archive_template: ClassVar[str | None] = None
    exports: ClassVar[tuple[Export, ...]] = ()
    # The step's one-to-one rows that `record` reads (the archive loads them with the steps).
    related: ClassVar[tuple[str, ...]] = ()
    # Whether the projector recalls the room's focus under the step (kinds whose own content
    # is the options or the ideas do not).
    shows_focus: ClassVar[bool] = True
    # The context names of the delegate's own fragments a socket's first frame carries
    # (`personal`); the audience's shared frame, cached for every socket connecting at one
    # version, is drawn with a slot in their place (`sessions.live.regions.connect_frame`).
    personal_fragments: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        """Add a step of this kind from the console's valid add-step form (`StepForm`); None
        when the form's command key was used already (a replay adds nothing)."""

    @abc.abstractmethod
    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        """What `names` (regions of `audience`) need while `step` is on screen; with
        `delegate` and `request` (a phone's page) that delegate's own fragment too."""

    def personal_base(self, step: Step) -> Any:
        """What every delegate's own fragments of `step` share (a vote's poll and options),
        read once per shared connect frame and handed to `personal`."""
        return None

    def personal(self, step: Step, delegate_id: int, base: Any) -> dict[str, str]:
        """The delegate's own fragments (HTML, by the names in `personal_fragments`) while
        `step` is on screen, from `base` (`personal_base`); a name missing means the shared
        frame's slot is no longer right."""
        return {}

    @abc.abstractmethod
    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        """The step's results for the archive (what `archive_template` reads as
        `record.details`), or None when there is nothing to show but its text."""

    def clean(self, form: StepForm, data: dict[str, Any]) -> None:
        """Refuse, with `form.add_error`, an add-step form this kind cannot be added from
        (the fields every step has are checked already). Most kinds need nothing more."""
        return

    # What of a step a run sheet keeps (`sessions.runsheets`), beyond the kind, title, text,
    # presenter notes and planned minutes every step has: names of the add-step form's
    # fields (`StepForm`), and of any `sheet_extras` the form does not carry.
    sheet_fields: ClassVar[tuple[str, ...]] = ()
    sheet_extras: ClassVar[tuple[str, ...]] = ()

    def sheet_settings(self, step: Step) -> dict[str, Any]:
        """`step`'s settings as a run sheet keeps them (every name in `sheet_fields` and
        `sheet_extras`, JSON values): the add-step form's data, so a step is rebuilt by the
        same form and rules as typing it. A vote's `options_from` is the ideas step's id
        here; the run sheet turns it into that step's position."""
        return {}

    def sheet_clean(self, settings: dict[str, Any]) -> dict[str, str]:
        """Errors by name for the `sheet_extras` of a run sheet's step (the form checks the
        rest); empty when they may be restored."""
        return {}

    def sheet_restore(self, step: Step, settings: dict[str, Any]) -> None:
        """After `add`, in the same transaction: set what the add-step form does not carry
        (the `sheet_extras`, checked by `sheet_clean`)."""
        return

    def partial(self, audience: str, region: str) -> str | None:
        return self.partials.get(f"{audience}.{region}")


class UnknownStepKind(LookupError):
    """A step's kind has no registered `StepKind`: a programming error, never a quiet
    empty screen."""


KINDS: dict[str, StepKind] = {}


def register(kind: StepKind) -> StepKind:
    if kind.value in KINDS:
        raise ValueError(f"Step kind {kind.value!r} is registered twice.")
    KINDS[kind.value] = kind
    return kind


def load() -> None:
    """Import every kind module (each registers its kind); run once, at start-up."""
    for name in KIND_MODULES:
        import_module(name)


def kind_of(value: str) -> StepKind:
    """The registered kind for a `Step.Kind` value; fails loudly for one nobody registered."""
    try:
        return KINDS[value]
    except KeyError:
        raise UnknownStepKind(
            f"No step kind is registered for {value!r}: add its module to "
            "sessions.steps.KIND_MODULES and call register() in it."
        ) from None
