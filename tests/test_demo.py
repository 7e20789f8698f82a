"""`manage.py demo` sets up a workshop to try, once, and prints where to open it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from sessions.management.commands.demo import AGENDA, PASSWORD, USERNAME, WORKSHOP_TITLE
from sessions.models import Event, Step, Workshop

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_running_the_demo_twice_creates_everything_once():
    first = run_demo()
    second = run_demo()
    users = get_user_model().objects.filter(username=USERNAME)
    assert users.count() == 1
    assert Event.objects.count() == 1
    assert Workshop.objects.count() == 1
    assert Step.objects.count() == len(AGENDA)
    workshop = Workshop.objects.get()
    assert workshop.title == WORKSHOP_TITLE
    assert list(workshop.event.facilitators.all()) == [users.get()]
    assert list(workshop.steps.values_list("title", "position")) == [
        (title, position) for position, (title, _) in enumerate(AGENDA)
    ]
    assert first == second  # same workshop, same addresses
    # A real run sheet: each step is of the kind it names, ready to run.
    kinds = dict(workshop.steps.values_list("title", "kind"))
    assert kinds == {
        "Where we are": "benchmark", "Welcome": "message", "In one word": "cloud",
        "Pick the challenge": "vote",
        "Ideas": "ideas", "Prioritise": "vote", "Commit": "commit", "Pulse": "pulse",
    }  # fmt: skip
    assert workshop.steps.get(title="Prioritise").poll.kind == "matrix"
    assert workshop.steps.get(title="In one word").word_cloud.prompt == (
        "One word for how productive your business feels today"
    )


def test_the_demo_prints_the_addresses_and_the_password():
    output = run_demo()
    workshop = Workshop.objects.get()
    console = reverse("workshops:console", args=[workshop.pk])
    display = reverse("workshops:display", args=[workshop.display_token])
    join_link = reverse("workshops:join_link", args=[workshop.join_token])
    assert f"Facilitator console: {BASE}{console}" in output
    assert f"Projector:           {BASE}{display}" in output
    assert f"Delegate join link:  {BASE}{join_link}" in output
    assert f"password {PASSWORD!r}" in output
    assert f"or type code {workshop.join_code} at {BASE}/join" in output


def test_the_demo_password_signs_in():
    run_demo()
    user = get_user_model().objects.get(username=USERNAME)
    assert user.check_password(PASSWORD)


def test_a_changed_password_is_not_printed():
    run_demo()
    user = get_user_model().objects.get(username=USERNAME)
    user.set_password("my-own-secret-pw")
    user.save()
    output = run_demo()
    assert PASSWORD not in output
    assert "its password was changed" in output
    user.refresh_from_db()
    assert user.check_password("my-own-secret-pw")


def test_the_base_url_option_is_used_without_a_trailing_slash():
    output = run_demo("--base-url", "http://192.168.1.20:8000/")
    workshop = Workshop.objects.get()
    assert f"http://192.168.1.20:8000/console/workshops/{workshop.pk}/" in output
    assert "192.168.1.20:8000//" not in output
    assert "127.0.0.1" not in output


def test_an_expired_join_code_is_renewed_by_the_next_run():
    run_demo()
    workshop = Workshop.objects.get()
    old_code = workshop.join_code
    Workshop.objects.filter(pk=workshop.pk).update(
        join_code_expires_at=timezone.now() - timedelta(minutes=1)
    )
    output = run_demo()
    workshop.refresh_from_db()
    assert workshop.join_code != old_code
    assert workshop.join_code_is_valid
    assert f"or type code {workshop.join_code} at" in output
    assert old_code not in output


def test_a_valid_join_code_is_kept():
    run_demo()
    workshop = Workshop.objects.get()
    run_demo()
    stored = Workshop.objects.get()
    assert stored.join_code == workshop.join_code
    assert stored.join_code_expires_at == workshop.join_code_expires_at
