"""Settings for facilitate: one file, driven by environment variables.

The defaults run the embedded configuration with nothing installed: SQLite and the
in-memory channel layer in one daphne process. Production sets DATABASE_URL (PostgreSQL)
and REDIS_URL (channel layer and cache shared by several daphne processes).
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes (ModelAdmin, ModelForm...) take type parameters at run time, as the
# type checker reads them (`admin.ModelAdmin[Event]`); nothing else changes.
django_stubs_ext.monkeypatch(include_builtins=False)

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = {"1", "true", "yes"}
FALSE_WORDS = {"0", "false", "no"}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable. Anything but true/false, 1/0 or yes/no is refused: a typo in a
    security setting must not quietly read as "off"."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ImproperlyConfigured(f"{name}={value!r}: use true/false, 1/0 or yes/no")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Proxies (addresses or networks) whose X-Forwarded-For is believed, for the client's address
# (sessions.ratelimit.client_address). Empty: the header is never read.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address") from None

# Where phones reach this server, for the QR code and the address on the projector
# (for example http://192.168.1.20:8000). Empty: taken from the projector's own request.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "sessions.apps.WorkshopsConfig",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and fragments gzipped (Django's, but for the answers a view sends as they are);
    # static files are answered above by WhiteNoise, compressed ahead of time (gzip and
    # Brotli) by collectstatic. Django masks the CSRF token per answer and pads what it
    # compresses.
    "sessions.middleware.Compression",
    "sessions.request_limits.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sessions.middleware.RefusalMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "facilitate.urls"
ASGI_APPLICATION = "facilitate.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases. SQLite is tuned for many small concurrent writes: WAL lets readers run while one
# writer commits, IMMEDIATE transactions take the write lock up front (no deadlock-prone lock
# upgrade), and the busy timeout makes a writer wait its turn instead of failing.
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "var" / "facilitate.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A bounded pool per process: connections are reused (PostgreSQL's start-up cost is not
    # paid per socket message) without one kept per request thread, which ran a busy server
    # out of PostgreSQL connections under a burst of HTTP votes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DB_POOL_SIZE", 16),
        "timeout": env_int("DB_POOL_TIMEOUT", 20),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    # How long a write waits for another's lock before failing. The room's votes are written
    # by one writer per process, so few writes ever wait; a test server shortens it to show
    # that none waits long.
    SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 20_000)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS};"
        ),
    }
    # Tests run servers in other processes, so the test database must be a file.
    # The test database sits beside the one in use, named after it: runs with different
    # SQLITE_PATHs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(SQLITE_PATH.with_name("test-" + SQLITE_PATH.name))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache: in-memory for one process, Redis when several share the work.
REDIS_URL = os.environ.get("REDIS_URL", "")
CHANNEL_LAYER_PREFIX = os.environ.get("CHANNEL_LAYER_PREFIX", "facilitate")
if REDIS_URL:
    # Pub/Sub: a group message is published once and fanned out inside each process, rather
    # than queued once per socket as the core layer does (5,000 Redis writes per push to a
    # room of 5,000 phones). Delivery is at most once either way; pushes are snapshots.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
            # One connection pool per process, not one per request thread.
            "OPTIONS": {"pool_class": "facilitate.cache.SharedConnectionPool"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Facilitator sign-in guessing limit (django-axes): after LOGIN_FAILURES_ALLOWED wrong
# passwords for one username from one client address, that pair is refused for the cool-off
# period; other addresses and other usernames are not. The sign-in page says why (429).
AUTHENTICATION_BACKENDS = [
    "sessions.ratelimit.SignInLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURES_ALLOWED", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "sessions.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "sessions.ratelimit.login_locked_out"
AXES_USERNAME_CALLABLE = "sessions.ratelimit.sign_in_username"
# Accounts made through team invitation links: at most SIGN_UPS_ALLOWED attempts per client
# address in a sliding window of SIGN_UP_WINDOW_SECONDS (sessions.ratelimit).
SIGN_UPS_ALLOWED = env_int("SIGN_UPS_ALLOWED", 10)
SIGN_UP_WINDOW_SECONDS = env_int("SIGN_UP_WINDOW_SECONDS", 3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workshops:console_home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic (run by `make run` and the production steps) gives each file a name with a hash
# of its content (live.3f2a9c1b7d4e.js), listed in a manifest: a page always loads the script
# it was rendered with, so a phone never runs an old live.js against a new server, and those
# names can be kept by browsers for a year. With DEBUG off, pages need that manifest; with it
# on, they use the plain names and WhiteNoise serves the apps' files as they are edited
# (WhiteNoise's defaults: WHITENOISE_USE_FINDERS and WHITENOISE_AUTOREFRESH follow DEBUG).
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Site-wide, by SecurityMiddleware: a page's address goes to this site only, never to another
# (no Referer on a link out, an image or a script from elsewhere). Many addresses hold a
# secret (check-in and data links, the projector's display link, a shared archive, the join
# link), and one policy for every page cannot be forgotten on a new one. "no-referrer"
# would also strip it from this site's own requests, which Django's CSRF check reads over
# HTTPS when a browser sends no Origin.
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS in production (see README, "Production"); off by default so that development and the
# tests run on plain http. SECURE_PROXY_SSL_HEADER=1 trusts the proxy's X-Forwarded-Proto:
# set it only when a proxy that sets that header (deploy/nginx.conf) is the only way in.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# Product limits.
JOIN_CODE_LIFETIME_HOURS = env_int("JOIN_CODE_LIFETIME_HOURS", 24)
JOIN_CODE_FAILURES_ALLOWED = env_int("JOIN_CODE_FAILURES_ALLOWED", 20)
JOIN_CODE_FAILURE_WINDOW_SECONDS = env_int("JOIN_CODE_FAILURE_WINDOW_SECONDS", 300)
# One phone's pace (sessions.ratelimit): bursts of PHONE_MESSAGE_BURST messages, then
# PHONE_MESSAGES_PER_SECOND, on each socket (votes, pings, anything) and for each delegate's
# commands over HTTP. Far above what a thumb taps; past it a message is refused, not carried out.
PHONE_MESSAGE_BURST = env_int("PHONE_MESSAGE_BURST", 20)
PHONE_MESSAGES_PER_SECOND = env_int("PHONE_MESSAGES_PER_SECOND", 10)
# Coalescing of live pushes, per audience: at most one snapshot per interval, with a
# trailing one after the last change.
PUSH_INTERVAL_SECONDS = {
    "projector": 0.05,
    "facilitator": 0.05,
    "delegate": 1.0,
    "remote": 0.05,
}
# The live count (#presence) at most once a second per audience, with a trailing push: while a
# hall connects it moves with every socket, and each of its frames reads every entry.
PRESENCE_PUSH_SECONDS = 1.0
# Sockets connecting at once per process (who they are, their first frame): the rest wait
# their turn with their pings answered, so a room reconnecting at once is served in order.
SOCKET_CONNECTS_AT_ONCE = env_int("SOCKET_CONNECTS_AT_ONCE", 4)
# A socket counts as present while its server process keeps refreshing it.
PRESENCE_HEARTBEAT_SECONDS = env_int("PRESENCE_HEARTBEAT_SECONDS", 10)
PRESENCE_STALE_SECONDS = env_int("PRESENCE_STALE_SECONDS", 30)
# An open peers page asks again for its offers this often (it has no socket: it is reached by
# a magic link, days after the room, and its offers change over hours, not seconds). An
# unchanged region is a 204 of a few bytes.
PEERS_POLL_SECONDS = env_int("PEERS_POLL_SECONDS", 20)

# Email (follow-up messages). Development default: messages are printed by the server;
# EMAIL_FILE_PATH writes them to files instead; EMAIL_HOST sends them by SMTP.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "facilitate <noreply@localhost>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
elif os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}},
}
