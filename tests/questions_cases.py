"""A Q&A filled as a big room fills it: long questions, many upvotes, one pinned, one
answered, one waiting for approval, one held back and one hidden."""

from __future__ import annotations

from sessions.models import Attendance, Delegate, Question, Upvote, Workshop
from sessions.questions import services as qa

LONG = (
    "How do we keep a small experiment going when the whole team is fire-fighting every "
    "week and nobody has time to look at the changeover data, and who should own it when "
    "the shift pattern changes again next quarter and the supervisor moves to another line?"
)[:280]


def filled_questions(workshop: Workshop, *, count: int = 30, projector: str = "beside") -> None:
    """`count` long questions shown (upvoted unevenly, the top one pinned, one answered),
    plus one waiting, one held back and one hidden; the projector shows them `projector`."""
    qa.open_questions(workshop=workshop)
    delegates = list(
        Attendance.objects.filter(workshop=workshop).values_list("delegate_id", flat=True)
    )
    if not delegates:
        made = Delegate.objects.bulk_create(
            Delegate(event=workshop.event, display_name=f"Delegate {i}") for i in range(40)
        )
        Attendance.objects.bulk_create(Attendance(workshop=workshop, delegate=d) for d in made)
        delegates = [d.pk for d in made]
    asked = []
    for i in range(count):
        text = f"{i + 1}. {LONG}"[:280]
        question = qa.ask(
            workshop_id=workshop.pk,
            delegate_id=delegates[i % len(delegates)],
            text=text,
            name_shown=i % 2 == 0,
        )
        assert question is not None
        asked.append(question)
    Upvote.objects.bulk_create(
        Upvote(question=question, delegate_id=delegate)
        for n, question in enumerate(asked)
        for delegate in delegates[: max(0, len(delegates) - 2 * n)]
    )
    qa.moderate_question(workshop=workshop, question_id=asked[0].pk, action="pin")
    if len(asked) > 1:
        qa.moderate_question(workshop=workshop, question_id=asked[1].pk, action="answered")
    qa.set_question_settings(workshop=workshop, approval=True, projector=projector)
    qa.ask(workshop_id=workshop.pk, delegate_id=delegates[0], text="Can we get the slides?")
    workshop.event.held_words = "widgetco"
    workshop.event.save(update_fields=["held_words"])
    qa.ask(workshop_id=workshop.pk, delegate_id=delegates[0], text="Why not WidgetCo?")
    hidden = qa.ask(workshop_id=workshop.pk, delegate_id=delegates[0], text="Off topic")
    assert hidden is not None
    qa.moderate_question(workshop=workshop, question_id=hidden.pk, action="hide")
    assert Question.objects.filter(board__workshop=workshop).count() == count + 3
