"""Settings for gymbooking.

Every value comes from the environment (or an optional ``.env`` file beside manage.py), with
defaults that are safe for local development. Production sets at least SECRET_KEY, DEBUG=False,
ALLOWED_HOSTS and DATABASE_URL.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -----------------------------------------------------------------------------------

# Development only: this default is public and must never be used in production.
INSECURE_DEV_SECRET_KEY = "django-insecure-dev-only-gymbooking-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == INSECURE_DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Lets WhiteNoise serve static files under runserver too, as it does in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "events.apps.EventsConfig",
    "members.apps.MembersConfig",
    "classes.apps.ClassesConfig",
    "bookings.apps.BookingsConfig",
    "notifications.apps.NotificationsConfig",
    "reports.apps.ReportsConfig",
    "demo.apps.DemoConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "events.actors.ActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gymbooking.urls"
WSGI_APPLICATION = "gymbooking.wsgi.application"
ASGI_APPLICATION = "gymbooking.asgi.application"

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
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores row locks (select_for_update), so writers must queue instead: WAL lets
    # readers work beside one writer, IMMEDIATE takes the write lock when a transaction
    # begins, and the busy timeout makes the next writer wait for it rather than fail.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = ["members.auth.EmailBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "classes:schedule"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation and time ----------------------------------------------------------

LANGUAGE_CODE = "en-gb"
# Datetimes are stored in UTC and shown in the gym's local time.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The manifest storage needs collectstatic; development and tests run without it.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# --- E-mail ---------------------------------------------------------------------------------

# EMAIL_URL examples: consolemail://, smtp+tls://user:password@smtp.example.com:587,
# smtp://mail.internal:25?timeout=5, filemail:///var/mail/gymbooking (an absolute path).
# Django 6.1 configures mail through MAILERS (the EMAIL_BACKEND/EMAIL_HOST/... settings are
# deprecated and may not be combined with it), so the URL becomes the default mailer's
# BACKEND and OPTIONS (gymbooking/email_url.py). SMTP always has a socket timeout: the URL's
# ?timeout=, else EMAIL_TIMEOUT (seconds, default 10); it bounds how long a mail server that
# does not answer can hold an e-mail worker (and how long a worker takes to stop).
from gymbooking.email_url import DEFAULT_TIMEOUT, mailer_from_url, seconds  # noqa: E402

MAILERS = {
    "default": mailer_from_url(
        env.str("EMAIL_URL", default="consolemail://"),
        timeout=seconds(env.str("EMAIL_TIMEOUT", default=str(DEFAULT_TIMEOUT)), "EMAIL_TIMEOUT"),
    ),
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gymbooking <noreply@gymbooking.local>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Security (production) ------------------------------------------------------------------

if not DEBUG:
    if env.bool("BEHIND_HTTPS_PROXY", default=False):
        # Only behind a proxy that sets this header itself: anyone else could send it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- The gym's policies ---------------------------------------------------------------------

# Members may not cancel (or, with "forfeit", are not refunded) this close to a class's start.
GYM_CANCELLATION_WINDOW_HOURS = env.float("GYM_CANCELLATION_WINDOW_HOURS", default=2.0)
# What a member's cancellation inside the window does: "refuse" it, or accept it and "forfeit"
# the credit.
GYM_LATE_CANCELLATION = env.str("GYM_LATE_CANCELLATION", default="refuse").strip().lower()
# Days until a refunded credit expires.
GYM_REFUND_EXPIRY_DAYS = env.int("GYM_REFUND_EXPIRY_DAYS", default=30)
# Minutes before a class starts after which nobody is promoted from its waitlist (0: its start).
GYM_PROMOTION_CUTOFF_MINUTES = env.int("GYM_PROMOTION_CUTOFF_MINUTES", default=0)

# Whether people may create their own member account (on by default while DEBUG is on).
GYM_SELF_SIGNUP = env.bool("GYM_SELF_SIGNUP", default=DEBUG)
# Credits a new member starts with (e.g. a free trial class); they expire like a refund.
GYM_WELCOME_CREDITS = env.int("GYM_WELCOME_CREDITS", default=1)

# Members may book a class from this many days before it starts (0: as soon as it is listed).
GYM_BOOKING_OPENS_DAYS = env.int("GYM_BOOKING_OPENS_DAYS", default=14)
# At most this many upcoming bookings per member (0: no limit).
GYM_MAX_UPCOMING_BOOKINGS = env.int("GYM_MAX_UPCOMING_BOOKINGS", default=10)
# This many no-shows within GYM_NO_SHOW_PERIOD_DAYS pause a member's booking for
# GYM_NO_SHOW_PAUSE_DAYS (0: no-shows never pause booking). Staff can lift a pause.
GYM_NO_SHOW_LIMIT = env.int("GYM_NO_SHOW_LIMIT", default=0)
GYM_NO_SHOW_PERIOD_DAYS = env.int("GYM_NO_SHOW_PERIOD_DAYS", default=30)
GYM_NO_SHOW_PAUSE_DAYS = env.int("GYM_NO_SHOW_PAUSE_DAYS", default=14)
# Periodic work: reminders this many hours before a booked class; outcomes settled this many
# minutes after a class ends, bookings nobody marked becoming "attended" or "no_show".
GYM_REMINDER_HOURS = env.int("GYM_REMINDER_HOURS", default=24)
GYM_SETTLE_AFTER_MINUTES = env.int("GYM_SETTLE_AFTER_MINUTES", default=60)
GYM_UNMARKED_OUTCOME = env.str("GYM_UNMARKED_OUTCOME", default="attended").strip().lower()

if GYM_UNMARKED_OUTCOME not in {"attended", "no_show"}:
    raise ImproperlyConfigured(
        f'GYM_UNMARKED_OUTCOME must be "attended" or "no_show", not {GYM_UNMARKED_OUTCOME!r}.'
    )
for _name in (
    "GYM_BOOKING_OPENS_DAYS",
    "GYM_MAX_UPCOMING_BOOKINGS",
    "GYM_NO_SHOW_LIMIT",
    "GYM_NO_SHOW_PERIOD_DAYS",
    "GYM_NO_SHOW_PAUSE_DAYS",
    "GYM_REMINDER_HOURS",
    "GYM_SETTLE_AFTER_MINUTES",
):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must not be negative.")

# --- Domain events ----------------------------------------------------------------------------

# Where event handlers run: "inline" (in the process that committed the change, right after
# the commit) or "worker" (web processes only record; `manage.py process_events` delivers).
GYM_EVENT_DELIVERY = env.str("GYM_EVENT_DELIVERY", default="inline").strip().lower()
# A delivery that keeps failing is retried with exponential backoff from this delay...
GYM_EVENT_RETRY_SECONDS = env.int("GYM_EVENT_RETRY_SECONDS", default=30)
# ...and given up ("dead", retryable from admin) after this many attempts.
GYM_EVENT_MAX_ATTEMPTS = env.int("GYM_EVENT_MAX_ATTEMPTS", default=8)

# In "inline" mode workers leave a fresh delivery alone this long: it is the committing
# process's to run, and only falls to the workers if that process died.
GYM_EVENT_WORKER_GRACE_SECONDS = env.int("GYM_EVENT_WORKER_GRACE_SECONDS", default=60)

if GYM_EVENT_DELIVERY not in {"inline", "worker"}:
    raise ImproperlyConfigured(
        f'GYM_EVENT_DELIVERY must be "inline" or "worker", not {GYM_EVENT_DELIVERY!r}.'
    )
if GYM_EVENT_RETRY_SECONDS < 1 or GYM_EVENT_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("GYM_EVENT_RETRY_SECONDS and GYM_EVENT_MAX_ATTEMPTS must be >= 1.")

if GYM_LATE_CANCELLATION not in {"refuse", "forfeit"}:
    raise ImproperlyConfigured(
        f'GYM_LATE_CANCELLATION must be "refuse" or "forfeit", not {GYM_LATE_CANCELLATION!r}.'
    )
if GYM_CANCELLATION_WINDOW_HOURS < 0:
    raise ImproperlyConfigured("GYM_CANCELLATION_WINDOW_HOURS must not be negative.")
if GYM_REFUND_EXPIRY_DAYS < 1:
    raise ImproperlyConfigured("GYM_REFUND_EXPIRY_DAYS must be at least 1.")
if GYM_WELCOME_CREDITS < 0:
    raise ImproperlyConfigured("GYM_WELCOME_CREDITS must not be negative.")
if GYM_PROMOTION_CUTOFF_MINUTES < 0:
    raise ImproperlyConfigured("GYM_PROMOTION_CUTOFF_MINUTES must not be negative.")
