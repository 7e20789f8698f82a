"""The vote step: its state and the delegate's ballot on the phones, the tally on every
screen, the final tally in the archive, and the votes and ballots exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sessions.models import Poll, Step
from sessions.steps import StepKind, register
from sessions.voting import services
from sessions.voting.exports import BALLOTS, VOTES
from sessions.voting.read import SharedBallots, tally_poll, vote_context

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Workshop

LIVE = "workshops/vote/live.html"


class VoteKind(StepKind):
    value = Step.Kind.VOTE
    partials = {
        f"{audience}.{region}": f"{LIVE}#{audience}_{region}"
        for audience in ("delegate", "projector", "facilitator")
        for region in ("step", "results")
    } | {"delegate.ballot": f"{LIVE}#delegate_ballot"}
    archive_template = "workshops/archive/vote.html"
    exports = (VOTES, BALLOTS)
    related = ("poll",)
    shows_focus = False
    personal_fragments = ("ballot_html",)

    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        data = form.cleaned_data
        return services.add_vote_step(
            workshop=workshop,
            title=data["title"],
            body=data["body"],
            settings=form.poll_settings(),
            key=form.command_key(),
        )

    sheet_fields = (
        "poll_kind", "options", "options_from", "options_from_snapshot", "budget",
        "per_option_max", "max_picks", "show_live", "scale_low_label", "scale_high_label",
    )  # fmt: skip

    def sheet_settings(self, step: Step) -> dict[str, Any]:
        planned = step.config.get(services.PLANNED)
        if planned:  # options from an ideas step's clusters, taken when the vote opens
            return {
                name: planned.get(name) for name in self.sheet_fields if name != "poll_kind"
            } | {
                "poll_kind": planned["kind"],
                "options": [],
                "options_from_snapshot": False,
            }
        poll = Poll.objects.get(step=step)
        seeded = services.seeded_from_snapshot(step)
        return {
            "poll_kind": poll.kind,
            "options": [] if seeded else list(poll.options.values_list("label", flat=True)),
            "options_from": None,
            "options_from_snapshot": seeded,
            "budget": poll.budget,
            "per_option_max": poll.per_option_max,
            "max_picks": poll.max_picks,
            "show_live": poll.show_live,
            "scale_low_label": poll.scale_low_label,
            "scale_high_label": poll.scale_high_label,
        }

    def clean(self, form: StepForm, data: dict[str, Any]) -> None:
        typed = len(data.get("options") or [])
        seeded = data.get("options_from") or data.get("options_from_snapshot")
        if not seeded and typed < 2:
            form.add_error("options", _("A vote needs at least 2 options, one per line."))

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return vote_context(step, names, delegate, request)

    def personal_base(self, step: Step) -> SharedBallots | None:
        poll = Poll.objects.filter(step=step).select_related("step").first()
        return None if poll is None else SharedBallots(poll, list(poll.options.all()))

    def personal(self, step: Step, delegate_id: int, base: SharedBallots | None) -> dict[str, str]:
        return {} if base is None else {"ballot_html": base.render(delegate_id)}

    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        poll: Poll | None = getattr(step, "poll", None)
        if poll is None:
            return None
        return {"poll": poll, "tally": tally_poll(poll)}


VOTE = register(VoteKind())
