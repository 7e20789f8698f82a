"""Create (once) a demo event with one workshop and a facilitator, and print its addresses."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sessions.agenda import services
from sessions.models import Event, Workshop
from sessions.runsheets.library import BuiltIn, built_in
from sessions.runsheets.services import build_steps
from sessions.snapshot.demo import seed_snapshots

USERNAME = "facilitator"
PASSWORD = "small-steps-demo"  # noqa: S105  (a demo account, printed on purpose)
EVENT_NAME = "Productivity Conference (demo)"
WORKSHOP_TITLE = "Small steps: your next productivity experiment"
DEMO_SHEET = "challenge-to-commitment"


def demo_sheet() -> BuiltIn:
    sheet = built_in(DEMO_SHEET)
    assert sheet is not None  # one of the built-in library's documents
    return sheet


# The demo's run sheet: the built-in 90-minute "challenge to commitment" flow.
AGENDA = [(step["title"], step["text"]) for step in demo_sheet().document["steps"]]


class Command(BaseCommand):
    help = "Create the demo workshop and facilitator if missing; print the addresses to open."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    @transaction.atomic
    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"first_name": "Demo", "last_name": "Facilitator"}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        event = Event.objects.filter(name=EVENT_NAME).first()
        if event is None:
            event = services.create_event(
                user=user, name=EVENT_NAME, date=timezone.localdate(), venue="Main hall"
            )
        workshop = Workshop.objects.filter(event=event, title=WORKSHOP_TITLE).first()
        if workshop is None:
            workshop = services.create_workshop(
                event=event,
                title=WORKSHOP_TITLE,
                description="A 90-minute workshop for owners and engineers of small manufacturers.",
            )
            build_steps(workshop=workshop, steps=demo_sheet().document["steps"])
            seed_snapshots(event)
        if not workshop.join_code_is_valid and not workshop.is_closed:
            workshop = services.renew_join_code(workshop=workshop)
        self.report(base_url.rstrip("/"), user, workshop)

    def report(self, base: str, user: User, workshop: Workshop) -> None:
        if user.check_password(PASSWORD):
            login = f"user {USERNAME!r}, password {PASSWORD!r}"
        else:
            login = f"user {USERNAME!r} (its password was changed from the demo one)"
        lines = [
            "",
            "facilitate demo workshop is ready:",
            f"  Facilitator console: {base}{reverse('workshops:console', args=[workshop.pk])}",
            f"      sign in with {login}",
            f"  Projector:           {base}"
            f"{reverse('workshops:display', args=[workshop.display_token])}",
            f"  Delegate join link:  {base}"
            f"{reverse('workshops:join_link', args=[workshop.join_token])}",
            f"      or type code {workshop.join_code} at {base}{reverse('workshops:join')}",
            "",
        ]
        self.stdout.write("\n".join(lines))
