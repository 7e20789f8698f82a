"""The word cloud step: the delegate's words form on the phones, the cloud on the projector,
moderation on the console, the counted words in the archive and their export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessions.cloud import services
from sessions.cloud.exports import CLOUD
from sessions.cloud.read import cloud_context, cloud_results
from sessions.models import CLOUD_WORDS_DEFAULT, Step, WordCloud
from sessions.steps import StepKind, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Workshop

LIVE = "workshops/cloud/live.html"


class CloudKind(StepKind):
    value = Step.Kind.CLOUD
    partials = {
        f"{audience}.{region}": f"{LIVE}#{audience}_{region}"
        for audience in ("delegate", "projector", "facilitator")
        for region in ("step", "results")
    }
    archive_template = "workshops/archive/cloud.html"
    exports = (CLOUD,)
    related = ("word_cloud",)

    sheet_fields = ("cloud_prompt", "words_each", "cloud_approval")

    def sheet_settings(self, step: Step) -> dict[str, Any]:
        cloud = WordCloud.objects.get(step=step)
        return {
            "cloud_prompt": cloud.prompt,
            "words_each": cloud.words_each,
            "cloud_approval": cloud.needs_approval,
        }

    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        data = form.cleaned_data
        return services.add_cloud_step(
            workshop=workshop,
            title=data["title"],
            prompt=data.get("cloud_prompt") or "",
            words_each=data.get("words_each") or CLOUD_WORDS_DEFAULT,
            needs_approval=bool(data.get("cloud_approval")),
            key=form.command_key(),
        )

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return cloud_context(step, names, audience, delegate, request)

    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        cloud: WordCloud | None = getattr(step, "word_cloud", None)
        if cloud is None:
            return None
        return {"cloud": cloud, "cloud_results": cloud_results(cloud), "facilitator": facilitator}


CLOUD_KIND = register(CloudKind())
