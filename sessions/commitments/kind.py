"""The commitment step: the delegate's card on the phones, the walls (the "commitments"
regions), every commitment in the archive, and the commitments' export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessions.commitments import services
from sessions.commitments.exports import COMMITMENTS
from sessions.commitments.read import commitments_context
from sessions.models import Commitment, Step
from sessions.steps import StepKind, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Workshop


class CommitKind(StepKind):
    value = Step.Kind.COMMIT
    partials = {"delegate.step": "workshops/commit/live.html#delegate_step"}
    archive_template = "workshops/archive/commitments.html"
    exports = (COMMITMENTS,)

    # Whether the commitment wall names who committed (a setting the add-step form's
    # "show names" box carries for ideas; a commit step keeps it in its config).
    sheet_fields = ("show_names",)

    def sheet_settings(self, step: Step) -> dict[str, Any]:
        return {"show_names": services.names_shown(step)}

    def sheet_restore(self, step: Step, settings: dict[str, Any]) -> None:
        if settings.get("show_names"):
            step.config = {**step.config, "show_names": True}
            step.save(update_fields=["config"])

    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        data = form.cleaned_data
        return services.add_commit_step(
            workshop=workshop, title=data["title"], body=data["body"], key=form.command_key()
        )

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return commitments_context(step, names, audience)

    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        made = Commitment.objects.filter(step=step).select_related(
            "delegate", "challenge", "cluster"
        )
        commitments = list(made.order_by("created_at", "id"))
        people = len({c.delegate_id for c in commitments} - {None})
        return {"commitments": commitments, "committed_people": people}


COMMIT = register(CommitKind())
