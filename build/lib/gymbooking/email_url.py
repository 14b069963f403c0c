"""EMAIL_URL → the default mailer of Django 6.1's MAILERS setting.

django-environ parses the URL for the deprecated EMAIL_* settings; this turns its result into
a mailer's BACKEND and OPTIONS, and fixes what it gets wrong for us:

- SMTP always has a timeout: `?timeout=` in the URL, else EMAIL_TIMEOUT (default 10 s), so a
  mail server that accepts and never answers cannot hold a worker for ever (django-environ
  keeps query options aside, where they used to be dropped);
- `filemail:///var/mail/gym` is the absolute path it reads as (django-environ strips the
  leading slash, making it relative to the working directory);
- a query option nobody reads is an error, not silently ignored.
"""

from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

DEFAULT_TIMEOUT = 10.0
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

# What the URL's parts become, among the SMTP mailer's OPTIONS.
_PARTS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}
# The query options an SMTP URL may carry (`?timeout=5&ssl_certfile=/etc/...`).
_SMTP_QUERY_OPTIONS = ("timeout", "ssl_keyfile", "ssl_certfile")


def mailer_from_url(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """The MAILERS entry for `url`; `timeout` (EMAIL_TIMEOUT) unless the URL names one."""
    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    query = {key.lower(): value for key, value in pairs}
    if backend == SMTP_BACKEND:
        options = _smtp_options(parsed, query, timeout)
    elif backend == FILE_BACKEND:
        _no_query_options(url, query)
        options = {"file_path": _absolute_path(url)}
    else:
        _no_query_options(url, query)
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


def _smtp_options(parsed: dict, query: dict[str, str], timeout: float) -> dict:
    unknown = sorted(set(query) - set(_SMTP_QUERY_OPTIONS))
    if unknown:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown option(s) {', '.join(unknown)}; an SMTP URL takes "
            f"{', '.join(_SMTP_QUERY_OPTIONS)}."
        )
    options = {
        option: parsed[key] for key, option in _PARTS.items() if parsed.get(key) not in (None, "")
    }
    if not options.get("host"):
        raise ImproperlyConfigured("EMAIL_URL: an SMTP URL needs a host (smtp://host:25).")
    for name in ("ssl_keyfile", "ssl_certfile"):
        if name in query:
            options[name] = query[name]
    options["timeout"] = (
        seconds(query["timeout"], "timeout in EMAIL_URL")
        if "timeout" in query
        else seconds(timeout, "EMAIL_TIMEOUT")
    )
    return options


def seconds(value: str | float, name: str) -> float:
    """A positive number of seconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {value!r}.") from None
    if not number > 0 or number == float("inf"):
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds, not {value!r}.")
    return number


def _absolute_path(url: str) -> str:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc or not PurePosixPath(path).is_absolute() or path == "/":
        raise ImproperlyConfigured(
            f"EMAIL_URL: {url!r} must name an absolute directory, with three slashes: "
            "filemail:///var/mail/gymbooking."
        )
    return path


def _no_query_options(url: str, query: dict[str, str]) -> None:
    if query:
        given = ", ".join(sorted(query))
        raise ImproperlyConfigured(f"EMAIL_URL: {url.split('?')[0]!r} takes no options ({given}).")
