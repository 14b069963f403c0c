"""EMAIL_URL and EMAIL_TIMEOUT → the default mailer (`gymbooking/email_url.py`): SMTP always
has a timeout, the URL's own `?timeout=` first; `filemail:///abs/path` stays absolute; an
option nobody reads is an error. And the settings module really reads them so."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gymbooking.email_url import mailer_from_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"
ROOT = Path(__file__).resolve().parents[2]


def test_an_smtp_url_without_a_timeout_gets_the_default_of_ten_seconds():
    assert mailer_from_url("smtp://mail.example.com:25") == {
        "BACKEND": SMTP,
        "OPTIONS": {"host": "mail.example.com", "port": 25, "timeout": 10.0},
    }


def test_email_timeout_sets_the_timeout_of_an_smtp_url():
    mailer = mailer_from_url("smtp+tls://ana:s%40cret@smtp.example.com:587", timeout=3)

    assert mailer["OPTIONS"] == {
        "host": "smtp.example.com",
        "port": 587,
        "username": "ana",
        "password": "s@cret",
        "use_tls": True,
        "timeout": 3.0,
    }


def test_the_urls_own_timeout_is_honoured_and_wins_over_email_timeout():
    mailer = mailer_from_url("smtp://mail.example.com?timeout=2.5", timeout=30)

    assert mailer["OPTIONS"]["timeout"] == 2.5


def test_an_smtps_url_takes_its_certificate_files_from_the_query():
    mailer = mailer_from_url(
        "smtp+ssl://mail.example.com?ssl_certfile=/etc/gym/cert.pem&ssl_keyfile=/etc/gym/key.pem"
    )

    assert mailer["OPTIONS"] == {
        "host": "mail.example.com",
        "use_ssl": True,
        "ssl_certfile": "/etc/gym/cert.pem",
        "ssl_keyfile": "/etc/gym/key.pem",
        "timeout": 10.0,
    }


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "inf", "nan", ""])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(timeout):
    with pytest.raises(ImproperlyConfigured, match="timeout in EMAIL_URL must be"):
        mailer_from_url(f"smtp://mail.example.com?timeout={timeout}")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_TIMEOUT must be"):
        mailer_from_url("smtp://mail.example.com", timeout=timeout)


def test_an_unknown_query_option_is_an_error_rather_than_dropped():
    with pytest.raises(ImproperlyConfigured, match=r"unknown option.*tiemout"):
        mailer_from_url("smtp://mail.example.com?tiemout=5")


def test_an_smtp_url_needs_a_host():
    with pytest.raises(ImproperlyConfigured, match="needs a host"):
        mailer_from_url("smtp://")


def test_a_filemail_url_with_three_slashes_is_an_absolute_directory():
    assert mailer_from_url("filemail:///var/mail/gym%20booking") == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": "/var/mail/gym booking"},
    }


@pytest.mark.parametrize("url", ["filemail://var/mail", "filemail://", "filemail:///"])
def test_a_filemail_url_without_an_absolute_directory_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="absolute directory"):
        mailer_from_url(url)


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("consolemail://", "django.core.mail.backends.console.EmailBackend"),
        ("dummymail://", "django.core.mail.backends.dummy.EmailBackend"),
        ("memorymail://", "django.core.mail.backends.locmem.EmailBackend"),
    ],
)
def test_the_other_backends_take_no_options_and_no_timeout(url, backend):
    assert mailer_from_url(url, timeout=3) == {"BACKEND": backend, "OPTIONS": {}}
    with pytest.raises(ImproperlyConfigured, match="takes no options"):
        mailer_from_url(f"{url}?timeout=3")


def settings_mailers(**environment: str) -> dict:
    """MAILERS as the settings module builds it from this environment (a fresh process)."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "EMAIL_TIMEOUT")}
    env = {**inherited, "DJANGO_SETTINGS_MODULE": "gymbooking.settings", **environment}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; print(json.dumps(settings.MAILERS))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_settings_read_email_url_and_email_timeout():
    assert settings_mailers(EMAIL_URL="smtp://mail.example.com:2525", EMAIL_TIMEOUT="4") == {
        "default": {
            "BACKEND": SMTP,
            "OPTIONS": {"host": "mail.example.com", "port": 2525, "timeout": 4.0},
        }
    }
    mailers = settings_mailers(EMAIL_URL="smtp://mail.example.com?timeout=1.5")
    assert mailers["default"]["OPTIONS"]["timeout"] == 1.5
