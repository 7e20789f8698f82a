"""The app's configuration: label `workshops`, and at start-up the system checks and the step-
kind registry."""

from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    # The module is `sessions`, but that label belongs to django.contrib.sessions.
    name = "sessions"
    label = "workshops"
    verbose_name = "Workshops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessions import checks  # noqa: F401  (registers the system checks)
        from sessions.steps import load

        load()  # each step kind registers itself (sessions/steps.py)
