"""Production settings come from the environment, and Django's deployment checks pass on them;
development defaults stay on plain http."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from facilitate.settings import env_bool
from tests.servers import ROOT

TLS = {
    "SECURE_PROXY_SSL_HEADER": "1",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "yes",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def production_env(**changes: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "facilitate.example.org",
        # Only the settings are checked: nothing connects to Redis.
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        **TLS,
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deployment_checks_pass_on_a_production_environment():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_deployment_checks_name_a_missing_tls_setting():
    env = production_env(SESSION_COOKIE_SECURE=None, SECURE_HSTS_SECONDS=None)
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 1
    assert "security.W012" in done.stderr  # SESSION_COOKIE_SECURE
    assert "security.W004" in done.stderr  # SECURE_HSTS_SECONDS


def test_a_misspelt_yes_or_no_stops_the_server_with_its_name():
    done = manage("check", env=production_env(SESSION_COOKIE_SECURE="ture"))
    assert done.returncode == 1
    assert "ImproperlyConfigured: SESSION_COOKIE_SECURE='ture'" in done.stderr


def test_development_defaults_stay_on_plain_http(settings):
    # The test run has none of the variables set (as `make run` and `make test`).
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False
    assert settings.CSRF_COOKIE_SECURE is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert settings.TRUSTED_PROXIES == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" YES ", True), ("0", False), ("False", False), ("no", False)],
)
def test_env_bool_reads_the_six_words(monkeypatch, value, expected):
    monkeypatch.setenv("FACILITATE_TEST_FLAG", value)
    assert env_bool("FACILITATE_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("value", ["on", "off", "ture", "2", "enabled"])
def test_env_bool_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("FACILITATE_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="FACILITATE_TEST_FLAG"):
        env_bool("FACILITATE_TEST_FLAG", False)


def test_env_bool_keeps_its_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("FACILITATE_TEST_FLAG", raising=False)
    assert env_bool("FACILITATE_TEST_FLAG", True) is True
    monkeypatch.setenv("FACILITATE_TEST_FLAG", "")
    assert env_bool("FACILITATE_TEST_FLAG", False) is False


def test_a_trusted_proxy_that_is_not_an_address_is_refused():
    done = manage("check", env=production_env(TRUSTED_PROXIES="10.0.0.5,nginx"))
    assert done.returncode == 1
    assert "TRUSTED_PROXIES: 'nginx' is not an address" in done.stderr
