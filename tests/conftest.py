"""Shared fixtures. Factories live in tests/factories.py, in-memory fakes in tests/fakes/."""

import os

import pytest
from django.db import connection

REQUIRE_POSTGRES = os.environ.get("GYMBOOKING_REQUIRE_POSTGRES_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    """Concurrency tests need PostgreSQL's row locks: skip them elsewhere, with the reason.

    CI sets GYMBOOKING_REQUIRE_POSTGRES_TESTS=1 for its PostgreSQL run, where a skip would
    hide a misconfiguration, so there it is an error instead.
    """
    if connection.vendor == "postgresql":
        return
    if REQUIRE_POSTGRES:
        raise pytest.UsageError(
            "GYMBOOKING_REQUIRE_POSTGRES_TESTS=1 but the database is "
            f"{connection.vendor}; set DATABASE_URL to a PostgreSQL server."
        )
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks); set DATABASE_URL=postgres://... to run"
    )
    for item in items:
        if "concurrency" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no rate-limit counts (they live in Django's cache)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def services(settings):
    """The composition root, rebuilt so that settings changed in a test take effect."""
    from gymbooking.composition import services as build

    build.cache_clear()
    yield build()
    build.cache_clear()


@pytest.fixture
def mail_worker():
    """`mail_worker()`: one pass of an e-mail worker (`process_events --once --queue mail`),
    which is what sends e-mail: never the request or command that caused it. Returns its
    summary ("Ran 2 deliveries.")."""
    from io import StringIO

    from django.core.management import call_command

    def run_once() -> str:
        out = StringIO()
        call_command("process_events", "--once", "--queue", "mail", stdout=out)
        return out.getvalue().strip()

    return run_once


@pytest.fixture
def black_hole_smtp():
    """A mail server on 127.0.0.1 that accepts connections and never answers."""
    from tests.smtp import BlackHoleSMTP

    server = BlackHoleSMTP()
    yield server
    server.stop()


@pytest.fixture
def working_smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps the messages it receives."""
    from tests.smtp import WorkingSMTP

    server = WorkingSMTP()
    yield server
    server.stop()


@pytest.fixture
def processes(tmp_path):
    """`manage.py` commands in processes of their own, on a database shared with the test
    (`tests/worker_process.py`); whatever is still running at the end is killed."""
    from tests.worker_process import Processes

    started = Processes(tmp_path)
    yield started
    started.kill_all()


@pytest.fixture
def stripe_fake(settings):
    """A fake Stripe API on 127.0.0.1, the site's Stripe settings pointing at it
    (tests/fakes/stripe_server.py). Ask for it before `services`."""
    from tests.fakes.stripe_server import serving

    with serving(settings) as fake:
        yield fake
