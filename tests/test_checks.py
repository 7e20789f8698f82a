"""The system check warns when a production server runs with development settings."""

import pytest
from django.core import checks

from sessions.checks import production_settings

pytestmark = pytest.mark.django_db

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://localhost:6379/0"]},
    }
}


def ids(found) -> list[str]:
    return [message.id for message in found]


@pytest.fixture
def development_defaults(settings):
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    settings.CHANNEL_LAYERS = IN_MEMORY
    return settings


def test_debug_off_with_development_defaults_warns_twice(development_defaults):
    development_defaults.DEBUG = False
    found = production_settings(None)
    assert ids(found) == ["workshops.W001", "workshops.W002"]
    assert all(isinstance(message, checks.Warning) for message in found)
    assert "SECRET_KEY" in found[0].msg
    assert "in-memory" in found[1].msg
    assert "REDIS_URL" in found[1].hint


def test_debug_on_never_warns(development_defaults):
    development_defaults.DEBUG = True
    assert production_settings(None) == []


def test_a_real_secret_and_redis_are_quiet(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "a-long-random-production-secret-" + "x" * 32
    settings.CHANNEL_LAYERS = REDIS
    assert production_settings(None) == []


def test_each_warning_stands_alone(development_defaults):
    development_defaults.DEBUG = False
    development_defaults.CHANNEL_LAYERS = REDIS
    assert ids(production_settings(None)) == ["workshops.W001"]
    development_defaults.SECRET_KEY = "a-long-random-production-secret-" + "x" * 32
    development_defaults.CHANNEL_LAYERS = IN_MEMORY
    assert ids(production_settings(None)) == ["workshops.W002"]


def test_the_check_is_registered(development_defaults):
    development_defaults.DEBUG = False
    found = checks.run_checks(tags=[checks.Tags.security])
    assert {"workshops.W001", "workshops.W002"} <= set(ids(found))
