"""Create (once) a demo event with one workshop and a facilitator, and print its addresses."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sessions.agenda import services
from sessions.cloud import services as cloud
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.models import Event, Poll, Step, Workshop
from sessions.pulse import services as pulse
from sessions.snapshot.demo import seed_snapshots
from sessions.voting import services as voting
from sessions.voting.services import PollSettings

USERNAME = "facilitator"
PASSWORD = "small-steps-demo"  # noqa: S105  (a demo account, printed on purpose)
EVENT_NAME = "Productivity Conference (demo)"
WORKSHOP_TITLE = "Small steps: your next productivity experiment"
AGENDA = [
    ("Where we are", "Today we pick one challenge and leave with one small experiment each."),
    ("Welcome", "Join on your phone: scan the QR code or type the code at the address shown."),
    ("In one word", "Up to three words or short phrases each."),
    ("Pick the challenge", "Which productivity challenge matters most in your business?"),
    ("Ideas", "Alone first, then in pairs and fours: as many small ideas as you can."),
    ("Prioritise", "Rate each theme for impact and for effort."),
    ("Commit", "What will you try in the next two weeks?"),
    ("Pulse", "Two quick questions before you go."),
]
CHALLENGES = [
    "Changeover time", "Skills and training", "Stock and flow", "Data entered by hand",
    "Quality and rework", "Energy costs",
]  # fmt: skip
THEMES = ["Quick changeover kits", "Skills matrix", "Barcode scanning"]


def add_demo_step(workshop: Workshop, title: str, body: str) -> None:
    """One step of the demo's run sheet, of the kind its title names."""
    if title == "Pick the challenge":
        dots = PollSettings(kind=Poll.Kind.DOTS, options=CHALLENGES)
        voting.add_vote_step(workshop=workshop, title=title, body=body, settings=dots)
    elif title == "Ideas":
        ideas.add_ideas_step(
            workshop=workshop, title=title, prompt="How might we cut changeover time?", staged=True
        )
    elif title == "Prioritise":
        matrix = PollSettings(kind=Poll.Kind.MATRIX, options=THEMES)
        voting.add_vote_step(workshop=workshop, title=title, body=body, settings=matrix)
    elif title == "Commit":
        commitments.add_commit_step(workshop=workshop, title=title, body=body)
    elif title == "In one word":
        cloud.add_cloud_step(workshop=workshop, title=title)
    elif title == "Pulse":
        pulse.add_pulse_step(workshop=workshop, title=title, body=body)
    else:
        kind = Step.Kind.BENCHMARK if title == "Where we are" else Step.Kind.MESSAGE
        services.add_step(workshop=workshop, title=title, body=body, kind=kind)


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
            for title, body in AGENDA:
                add_demo_step(workshop, title, body)
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
