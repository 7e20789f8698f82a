"""The ideas step: the delegate's own ideas, theme suggestions and +1s on the phones, the board's
state on every screen (the wall and the console's board are the "ideas" regions), the wall
in the archive, and the ideas' export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sessions.errors import InvalidInput
from sessions.ideas import services
from sessions.ideas.exports import IDEAS
from sessions.ideas.read import (
    ideas_context,
    reactions_context,
    render_my_ideas,
    suggest_context,
    wall_context,
)
from sessions.live.audiences import DELEGATE
from sessions.models import (
    DEFAULT_STAGE_SECONDS,
    REACTION_BUDGET_DEFAULT,
    REACTION_BUDGET_MAX,
    Board,
    Idea,
    Step,
)
from sessions.steps import StepKind, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Workshop

LIVE = "workshops/ideas/live.html"


class IdeasKind(StepKind):
    value = Step.Kind.IDEAS
    shows_focus = False
    partials = {
        f"{audience}.step": f"{LIVE}#{audience}_step"
        for audience in ("delegate", "projector", "facilitator")
    }
    archive_template = "workshops/archive/ideas.html"
    exports = (IDEAS,)
    related = ("board",)

    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        data = form.cleaned_data
        return services.add_ideas_step(
            workshop=workshop,
            title=data["title"],
            prompt=data["prompt"],
            show_names=data["show_names"],
            needs_approval=data["needs_approval"],
            staged=data["staged"],
            delegates_suggest=data["delegates_suggest"],
            key=form.command_key(),
        )

    sheet_fields = ("prompt", "staged", "show_names", "needs_approval", "delegates_suggest")
    sheet_extras = ("stages", "reaction_budget")

    def sheet_settings(self, step: Step) -> dict[str, Any]:
        board = Board.objects.get(step=step)
        return {name: getattr(board, name) for name in self.sheet_fields + self.sheet_extras}

    def sheet_clean(self, settings: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        stages = settings.get("stages", list(DEFAULT_STAGE_SECONDS))
        try:
            services.stage_seconds(stages if isinstance(stages, list) else [])
        except InvalidInput as refused:
            errors["stages"] = refused.message
        budget = settings.get("reaction_budget", REACTION_BUDGET_DEFAULT)
        if type(budget) is not int or not 1 <= budget <= REACTION_BUDGET_MAX:
            errors["reaction_budget"] = _("Give each delegate between 1 and %(n)d +1s.") % {
                "n": REACTION_BUDGET_MAX
            }
        return errors

    def sheet_restore(self, step: Step, settings: dict[str, Any]) -> None:
        Board.objects.filter(step=step).update(
            stages=settings.get("stages", list(DEFAULT_STAGE_SECONDS)),
            reaction_budget=settings.get("reaction_budget", REACTION_BUDGET_DEFAULT),
        )

    def clean(self, form: StepForm, data: dict[str, Any]) -> None:
        if not (data.get("prompt") or "").strip():
            form.add_error("prompt", _("An ideas step needs a prompt."))

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        context = ideas_context(step, names, audience)
        # Only a page carries the delegate's ideas and form; a socket's frame (connect,
        # reconnect) carries the stub, whose hx-preserve keeps what the delegate is typing.
        board = context.get("board")
        if board and audience == DELEGATE and {"step", "suggest"}.intersection(names):
            personal = delegate if request is not None else None
            context.update(suggest_context(board, personal), suggest_in_step="step" in names)
        if board and delegate is not None and request is not None and "step" in names:
            context["my_ideas_html"] = render_my_ideas(board, delegate.pk, request)
        if board and audience == DELEGATE and "reactions" in names:
            mine = delegate.pk if delegate is not None and request is not None else None
            context.update(reactions_context(board, mine))
        return context

    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        board: Board | None = getattr(step, "board", None)
        if board is None:
            return None
        wall = wall_context(board, facilitator=facilitator)
        record: dict[str, Any] = {"board": board, "wall": wall, "hidden": [], "pending": []}
        if facilitator:
            record["pending"] = wall["queue"]
            record["hidden"] = [
                i
                for i in wall["hidden"]
                if i.status == Idea.Status.HIDDEN and i.merged_into_id is None
            ]
        return record


IDEAS_KIND = register(IdeasKind())
