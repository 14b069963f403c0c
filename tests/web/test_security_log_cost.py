"""What the security log costs a brute force: 100 wrong passwords for one login, with and
without the log. Each attempt writes one event (the first few failures, the lockout, then
one refusal each: axes refuses those before any password is hashed), so the log adds the
same few statements to every attempt, however long the run."""

import time
from contextlib import contextmanager

import pytest
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import StoredEvent
from members import security_log

pytestmark = pytest.mark.django_db

ATTEMPTS = 100
# A savepoint, the event's insert and the savepoint's release (in the tests' transaction;
# outside one, the transaction's begin and commit).
LOG_STATEMENTS_PER_ATTEMPT = 3


@contextmanager
def without_the_security_log():
    user_login_failed.disconnect(dispatch_uid="security_log.failed")
    user_locked_out.disconnect(dispatch_uid="security_log.locked_out")
    try:
        yield
    finally:
        security_log.connect()


def brute_force(client) -> tuple[int, float]:
    """Statements and seconds per attempt of ATTEMPTS wrong passwords for Ana's login."""
    AccessAttempt.objects.all().delete()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        for number in range(ATTEMPTS):
            client.post(
                reverse("login"), {"username": "ana@example.com", "password": f"wrong-{number}"}
            )
    return len(queries) / ATTEMPTS, (time.perf_counter() - started) / ATTEMPTS


def test_the_log_adds_a_few_statements_to_each_attempt_and_one_event(client, member, capsys):
    with without_the_security_log():
        bare, bare_seconds = brute_force(client)
    assert StoredEvent.objects.count() == 0

    logged, logged_seconds = brute_force(client)

    assert StoredEvent.objects.count() == ATTEMPTS + 1  # and the lockout
    assert logged - bare <= LOG_STATEMENTS_PER_ATTEMPT * (ATTEMPTS + 1) / ATTEMPTS
    with capsys.disabled():
        print(
            f"\n{ATTEMPTS} failed sign-ins on {connection.vendor}: {bare:.2f} statements and "
            f"{bare_seconds * 1000:.1f} ms an attempt without the log, {logged:.2f} and "
            f"{logged_seconds * 1000:.1f} ms with it"
        )
