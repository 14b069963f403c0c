"""Settings for gymbooking.

Every value comes from the environment (or an optional ``.env`` file beside manage.py), with
defaults that fail closed: DEBUG is off unless it is turned on (`make run`, the tests), and with
DEBUG off the settings refuse to load without SECRET_KEY and DATABASE_URL. Every variable is
listed, with its default, in deploy/gymbooking.env.example.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from gymbooking.csp import content_security_policy
from gymbooking.env import NO_DATABASE, database_settings, require_production_settings
from ops.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -----------------------------------------------------------------------------------

# Development only: this default is public and must never be used in production.
INSECURE_DEV_SECRET_KEY = "django-insecure-dev-only-gymbooking-do-not-use-in-production"

# Off unless turned on: a production start that forgets it is not a debug server.
DEBUG = env.bool("DEBUG", default=False)
# A build step (collectstatic, `check --deploy` while building an image) runs with DEBUG off
# but has no secret and no database: it gets a throwaway key and Django's dummy database
# backend, which fails any query at once.
BUILD_STEP = env.bool("BUILD_STEP", default=False)
require_production_settings(env.ENVIRON, debug=DEBUG, build=BUILD_STEP)

# Set but empty counts as unset. The build step's key is random: it signs nothing that lasts.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    INSECURE_DEV_SECRET_KEY if DEBUG else get_random_secret_key()
)
if not DEBUG and SECRET_KEY == INSECURE_DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the public development key: set a secret one when DEBUG is off "
        '(python -c "from django.core.management.utils import get_random_secret_key as k; '
        'print(k())").'
    )

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
    # Two-factor sign-in (members/two_factor/): authenticator apps and recovery codes. Before
    # members, whose admin replaces their device admins.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "events.apps.EventsConfig",
    "members.apps.MembersConfig",
    "locations.apps.LocationsConfig",
    "classes.apps.ClassesConfig",
    "bookings.apps.BookingsConfig",
    "notifications.apps.NotificationsConfig",
    "reports.apps.ReportsConfig",
    "sales.apps.SalesConfig",
    "payments.apps.PaymentsConfig",
    "demo.apps.DemoConfig",
    "ops.apps.OpsConfig",
    # Failed sign-ins and lockouts (members and admin alike); staff unlock in its admin.
    "axes",
]

MIDDLEWARE = [
    # Health probes and /metrics first: no host check, HTTPS redirect, session or cookies.
    "ops.middleware.OpsEndpointsMiddleware",
    "ops.middleware.RequestMetricsMiddleware",
    "ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ops.static.StaticFilesMiddleware",
    # Every response of a page (static files answered above) gets the CSP, Permissions-Policy
    # and Cache-Control: no-store (ops/security_headers.py).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "ops.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "members.sessions.SessionLifetimeMiddleware",
    # A login that needs a second factor reaches only the two-factor pages until it gives one.
    "members.two_factor.middleware.TwoFactorMiddleware",
    # A NUL byte in an admin query or form is a 400 before any admin view reads it.
    "ops.security_headers.RefuseNulBytesMiddleware",
    "events.actors.ActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
                "notifications.context_processors.unread_notifications",
                "payments.context_processors.online_payment",
            ],
            # The rows of the admin's bounded history inlines (web.admin_inlines).
            "libraries": {"bounded_inlines": "web.admin_inlines"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------

# DATABASE_URL, and on PostgreSQL either persistent connections (CONN_MAX_AGE) or Django's
# connection pool (DATABASE_POOL, DATABASE_POOL_MIN_SIZE / _MAX_SIZE / _TIMEOUT): see
# gymbooking/env.py. SQLite gets WAL, BEGIN IMMEDIATE and a busy timeout (writers queue).
if BUILD_STEP and not env.str("DATABASE_URL", default=""):
    DATABASES = {"default": {"ENGINE": NO_DATABASE}}
else:
    DATABASES = {
        "default": database_settings(env, default_url=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # At most 256 characters for anyone; at least 12 for staff (members.password_validation).
    {"NAME": "members.password_validation.MaximumLengthValidator"},
    {"NAME": "members.password_validation.StaffMinimumLengthValidator"},
]

# Axes first (members.throttling.LockoutBackend is axes' backend, noting what it refused):
# it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["members.throttling.LockoutBackend", "members.auth.EmailBackend"]

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
# Where collectstatic writes and WhiteNoise serves from. In production keep it across deploys
# (a directory outside the release, shared or synced between web nodes) and never collect with
# --clear: each release adds its hashed files beside the previous ones', so a page rendered by
# either release finds its stylesheet on any node during a rolling deploy.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Any file whose name carries collectstatic's content hash (name.0123456789ab.css) is cached
# for ever, not just those of the current release's manifest: WhiteNoise's own test only
# recognises the current manifest's names, so a previous release's files would be served with
# a 60-second max-age. A hashed name never changes content, whichever release made it.
WHITENOISE_IMMUTABLE_FILE_TEST = r"\.[0-9a-f]{12}\.\w+$"

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
        # The client's address behind that proxy: GYM_CLIENT_IP_HEADER (the security block).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # Deliberate: preloading is a promise to browsers that is slow to take back, so it is the
    # operator's choice (SECURE_HSTS_PRELOAD=True), and `check --deploy` does not nag for it.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Security: sign-in throttling, sessions, response headers -------------------------------

# The request header that carries the client's address, set by the proxy in front (for
# example X-Real-IP, or X-Forwarded-For, whose last entry is taken: the one the proxy added).
# Empty: the connection's own address (REMOTE_ADDR). Only behind a proxy that sets it itself,
# or anyone could pick the address their failed sign-ins count against.
GYM_CLIENT_IP_HEADER = env.str("GYM_CLIENT_IP_HEADER", default="").strip()

# django-axes: this many failed sign-ins for one login, or from one address, lock it out of
# signing in (members and admin alike) for GYM_LOGIN_LOCKOUT_MINUTES; a success resets the
# login's count, and a password reset lifts its lockout. Staff unlock in admin (Axes).
GYM_LOGIN_FAILURE_LIMIT = env.int("GYM_LOGIN_FAILURE_LIMIT", default=5)
GYM_LOGIN_LOCKOUT_MINUTES = env.int("GYM_LOGIN_LOCKOUT_MINUTES", default=15)
AXES_FAILURE_LIMIT = GYM_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=GYM_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "members.throttling.login_name"
AXES_CLIENT_IP_CALLABLE = "members.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "members.throttling.locked_out"
AXES_VERBOSE = False

# Password reset requests and sign-ups: at most this many per client address within
# GYM_FORM_RATE_WINDOW_MINUTES (each; counted in Django's cache, see README).
GYM_FORM_RATE_LIMIT = env.int("GYM_FORM_RATE_LIMIT", default=10)
GYM_FORM_RATE_WINDOW_MINUTES = env.int("GYM_FORM_RATE_WINDOW_MINUTES", default=60)
# Where those counts live: locmemcache:// (per process, the default) or one all processes share,
# such as dbcache://rate_limits (after `manage.py createcachetable`).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Reset links work this many hours (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=2) * 60 * 60

# A session ends after this many minutes without a request (staff: the shorter STAFF one),
# and in any case this many hours after signing in.
GYM_SESSION_IDLE_MINUTES = env.int("GYM_SESSION_IDLE_MINUTES", default=30)
GYM_STAFF_SESSION_IDLE_MINUTES = env.int("GYM_STAFF_SESSION_IDLE_MINUTES", default=15)
GYM_SESSION_MAX_HOURS = env.int("GYM_SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = GYM_SESSION_MAX_HOURS * 60 * 60

# Two-factor sign-in (README, "Two-factor sign-in"): every staff login (staff status,
# superuser, the Manager or Front desk group) must give a code from an authenticator app or
# a recovery code before any page but the two-factor ones. Members may turn it on themselves.
GYM_STAFF_MFA_REQUIRED = env.bool("GYM_STAFF_MFA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "gymbooking"
# django-otp's own device admins are replaced (members/two_factor/admin.py); if anything
# shows one, never with the secret key or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# A strict Content-Security-Policy: only this site's own files, inline scripts and styles
# only with the request's nonce (and the 500 page's fixed style by its hash); no plug-ins,
# frames or foreign form targets. GYM_CSP_REPORT_ONLY sends it as report-only instead (to
# try a change without breaking pages); GYM_CSP_REPORT_URI is where browsers report.
GYM_CSP_REPORT_ONLY = env.bool("GYM_CSP_REPORT_ONLY", default=False)
GYM_CSP_REPORT_URI = env.str("GYM_CSP_REPORT_URI", default="")
_csp = content_security_policy(
    error_page=BASE_DIR / "templates" / "500.html", report_uri=GYM_CSP_REPORT_URI
)
SECURE_CSP = {} if GYM_CSP_REPORT_ONLY else _csp
SECURE_CSP_REPORT_ONLY = _csp if GYM_CSP_REPORT_ONLY else {}
# Django's defaults, stated: the tests hold these headers to them.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

for _name in (
    "GYM_LOGIN_FAILURE_LIMIT",
    "GYM_LOGIN_LOCKOUT_MINUTES",
    "GYM_FORM_RATE_LIMIT",
    "GYM_FORM_RATE_WINDOW_MINUTES",
    "GYM_SESSION_IDLE_MINUTES",
    "GYM_STAFF_SESSION_IDLE_MINUTES",
    "GYM_SESSION_MAX_HOURS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
if PASSWORD_RESET_TIMEOUT < 60 * 60:
    raise ImproperlyConfigured("PASSWORD_RESET_TIMEOUT_HOURS must be at least 1.")

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
# "plain" lines for a developer's terminal; "json" (one object a line, with the request id,
# user and member ids and a delivery's event id and handler as fields) in production.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f'LOG_FORMAT must be "plain" or "json", not {LOG_FORMAT!r}.')

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # The request id, user and member, and `ops.logcontext.log_context` fields.
        "context": {"()": "ops.logcontext.ContextFilter"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # django-axes logs every sign-in at INFO; its warnings (lockouts) are what matter.
        "axes": {"level": "WARNING"},
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
# The longest one freeze of a membership may last, in days (its period end moves on by it).
GYM_MEMBERSHIP_MAX_FREEZE_DAYS = env.int("GYM_MEMBERSHIP_MAX_FREEZE_DAYS", default=30)
# Minutes before a class starts after which nobody is promoted from its waitlist (0: its start).
GYM_PROMOTION_CUTOFF_MINUTES = env.int("GYM_PROMOTION_CUTOFF_MINUTES", default=0)
# Inside the cancellation window a promoted member could not cancel: "never" promote there
# (the safer default), or promote with a "grace" period of GYM_PROMOTION_GRACE_MINUTES after
# the promotion in which she may still cancel with a refund.
GYM_PROMOTION_INSIDE_WINDOW = (
    env.str("GYM_PROMOTION_INSIDE_WINDOW", default="never").strip().lower()
)
GYM_PROMOTION_GRACE_MINUTES = env.int("GYM_PROMOTION_GRACE_MINUTES", default=30)

# Whether people may create their own member account (on by default while DEBUG is on).
GYM_SELF_SIGNUP = env.bool("GYM_SELF_SIGNUP", default=DEBUG)
# Credits a new member starts with (e.g. a free trial class); they expire like a refund.
GYM_WELCOME_CREDITS = env.int("GYM_WELCOME_CREDITS", default=1)
# A sign-up becomes an account only through the link e-mailed to its address, which works this
# many hours; at most GYM_SIGNUP_MAILS_PER_ADDRESS sign-up e-mails go to one address an hour.
GYM_SIGNUP_LINK_HOURS = env.int("GYM_SIGNUP_LINK_HOURS", default=24)
GYM_SIGNUP_MAILS_PER_ADDRESS = env.int("GYM_SIGNUP_MAILS_PER_ADDRESS", default=3)

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
# Staff may waive a late-cancellation or no-show fee this many days after it was imposed.
GYM_FEE_WAIVE_DAYS = env.int("GYM_FEE_WAIVE_DAYS", default=7)

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
    "GYM_FEE_WAIVE_DAYS",
):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must not be negative.")

# --- Receipts -------------------------------------------------------------------------------

# Who sells, as every receipt and refund note says it: the gym's legal name, its address (lines
# separated by "\n" or ";") and its VAT or sales-tax number. While DEBUG is on (the demo) they
# default to the demo chain's; in production set them, or receipts show the site's name only.
GYM_LEGAL_NAME = env.str(
    "GYM_LEGAL_NAME", default="gymbooking Demo Ltd" if DEBUG else "gymbooking"
).strip()
GYM_ADDRESS = env.str(
    "GYM_ADDRESS", default="1 Old Town Square;London EC1A 1AA" if DEBUG else ""
).strip()
GYM_TAX_NUMBER = env.str("GYM_TAX_NUMBER", default="GB 123 4567 89" if DEBUG else "").strip()

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
if GYM_MEMBERSHIP_MAX_FREEZE_DAYS < 1:
    raise ImproperlyConfigured("GYM_MEMBERSHIP_MAX_FREEZE_DAYS must be at least 1.")
if GYM_WELCOME_CREDITS < 0:
    raise ImproperlyConfigured("GYM_WELCOME_CREDITS must not be negative.")
if GYM_SIGNUP_LINK_HOURS < 1 or GYM_SIGNUP_MAILS_PER_ADDRESS < 1:
    raise ImproperlyConfigured(
        "GYM_SIGNUP_LINK_HOURS and GYM_SIGNUP_MAILS_PER_ADDRESS must be at least 1."
    )
if GYM_PROMOTION_CUTOFF_MINUTES < 0:
    raise ImproperlyConfigured("GYM_PROMOTION_CUTOFF_MINUTES must not be negative.")
if GYM_PROMOTION_INSIDE_WINDOW not in {"never", "grace"}:
    raise ImproperlyConfigured(
        'GYM_PROMOTION_INSIDE_WINDOW must be "never" or "grace", '
        f"not {GYM_PROMOTION_INSIDE_WINDOW!r}."
    )
if GYM_PROMOTION_GRACE_MINUTES < 1:
    raise ImproperlyConfigured("GYM_PROMOTION_GRACE_MINUTES must be at least 1.")

# --- Operations: probes, metrics, heartbeats, error reporting ---------------------------------

# /health/ready answers 503 when a delivery has been due longer than this (the workers are
# not keeping up); 0: deliveries never make an instance unready.
GYM_READY_MAX_DELIVERY_LAG_SECONDS = env.int("GYM_READY_MAX_DELIVERY_LAG_SECONDS", default=300)
# /metrics answers these addresses or networks (direct requests only, not through a proxy),
# and any request with "Authorization: Bearer <GYM_METRICS_TOKEN>"; everyone else gets a 404.
GYM_METRICS_ALLOWED_IPS = env.list("GYM_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
GYM_METRICS_TOKEN = env.str("GYM_METRICS_TOKEN", default="")
# A worker's heartbeat is written at most this often (per worker and process).
GYM_HEARTBEAT_INTERVAL_SECONDS = env.int("GYM_HEARTBEAT_INTERVAL_SECONDS", default=10)

if GYM_READY_MAX_DELIVERY_LAG_SECONDS < 0 or GYM_HEARTBEAT_INTERVAL_SECONDS < 0:
    raise ImproperlyConfigured(
        "GYM_READY_MAX_DELIVERY_LAG_SECONDS and GYM_HEARTBEAT_INTERVAL_SECONDS must not be "
        "negative."
    )
for _address in GYM_METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_address.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"GYM_METRICS_ALLOWED_IPS: {_error}") from None

# Errors and their traces go to Sentry when SENTRY_DSN is set (nothing happens without it).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
init_sentry(
    SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)

# --- Retention (manage.py prune_history) ------------------------------------------------------

# Delivered deliveries are deleted this many days after they were delivered...
GYM_DELIVERY_RETENTION_DAYS = env.int("GYM_DELIVERY_RETENTION_DAYS", default=30)
# ...and events this many days after they occurred, unless a delivery of theirs is still
# pending, failed or dead. The event log is the audit trail and the source of the reports'
# waitlist figures: a report on older days shows no waitlist demand.
GYM_EVENT_RETENTION_DAYS = env.int("GYM_EVENT_RETENTION_DAYS", default=365)

for _name in ("GYM_DELIVERY_RETENTION_DAYS", "GYM_EVENT_RETENTION_DAYS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1 (days).")

# --- Online payment (Stripe; docs/payments.md) -------------------------------------------------

# Without a secret key packs are sold at the front desk only, and the member pages say so.
# Test keys (sk_test_…) take test cards; the webhook secret (whsec_…) is the endpoint's at
# /payments/stripe/webhook/ (or `stripe listen`'s). STRIPE_API_BASE is Stripe's API unless a
# test points it elsewhere; a call to it gives up after STRIPE_TIMEOUT_SECONDS.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="").strip()
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="").strip()
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=10)

if STRIPE_SECRET_KEY and not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY must be a secret (sk_…) or restricted (rk_…) key, never the "
        "publishable one."
    )
if STRIPE_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("STRIPE_TIMEOUT_SECONDS must be at least 1.")
