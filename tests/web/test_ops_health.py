"""/health/live and /health/ready: what a load balancer polls.

Live says the process answers and touches nothing; ready says the database answers, every
migration is applied and the workers keep up with the deliveries, and answers 503 naming the
check that failed otherwise. Neither needs a login, sets a cookie, or cares about the mail
server."""

import json
import socket
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.utils import timezone
from health_check.checks import Database

from events.models import Delivery
from ops.checks import MigrationsApplied
from ops.views import run_checks
from tests.factories import DeliveryFactory

LIVE = "/health/live"
READY = "/health/ready"


@pytest.fixture(autouse=True)
def migrations_looked_at_afresh():
    MigrationsApplied.forget()
    yield
    MigrationsApplied.forget()


@pytest.fixture
def database_unreachable():
    """Every query fails as it does when the server is gone."""
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ) as broken:
        yield broken


def test_live_answers_200_without_touching_the_database(client):
    # no django_db mark: any query would raise
    response = client.get(LIVE)

    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_live_answers_200_even_when_the_database_is_unreachable(client, database_unreachable):
    assert client.get(LIVE).status_code == 200
    assert not database_unreachable.called


@pytest.mark.django_db
def test_ready_answers_200_when_every_check_passes(client):
    response = client.get(READY)

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_ready_in_json_lists_every_check(client):
    response = client.get(READY, headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "deliveries": "ok"},
    }


@pytest.mark.django_db
def test_the_probes_set_no_cookie_and_are_never_cached(client):
    for path in (LIVE, READY):
        response = client.get(path)

        assert response.cookies == {}
        assert "Set-Cookie" not in response.headers
        assert "no-store" in response["Cache-Control"]
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_the_probes_answer_a_load_balancer_over_http_by_its_own_address(client, settings):
    # given production settings: HTTPS enforced, only the site's host name allowed
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["gym.example.com"]

    # when the load balancer polls the instance by its address, over plain HTTP
    live = client.get(LIVE, HTTP_HOST="10.0.3.7:8000")
    ready = client.get(READY, HTTP_HOST="10.0.3.7:8000")

    # then both answer (no redirect to HTTPS, no "bad request" for the host)
    assert (live.status_code, ready.status_code) == (200, 200)
    # while every other page still gets both
    assert client.get("/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="gym.example.com").status_code == 301


@pytest.mark.django_db
def test_the_probes_refuse_changes(client):
    assert client.post(LIVE).status_code == 405
    assert client.post(READY).status_code == 405


def test_ready_answers_503_naming_the_database_when_it_is_unreachable(client, database_unreachable):
    response = client.get(READY)

    assert response.status_code == 503
    assert response.content.decode().startswith("database: Unavailable: connection refused\n")


def test_ready_in_json_says_which_checks_failed(client, database_unreachable):
    response = client.get(READY, {"format": "json"})

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "Unavailable: connection refused"
    assert body["checks"]["deliveries"] == "Unavailable: cannot read the deliveries"


def test_a_failing_probe_is_a_warning_not_an_error_for_every_poll(
    client, database_unreachable, caplog
):
    client.get(READY)

    ready_records = [r for r in caplog.records if r.name in ("ops.views", "django.request")]
    assert [(r.name, r.levelname) for r in ready_records] == [("ops.views", "WARNING")]


def overdue(seconds: float, **fields) -> Delivery:
    return DeliveryFactory(next_attempt_at=timezone.now() - timedelta(seconds=seconds), **fields)


@pytest.mark.django_db
def test_ready_answers_503_when_a_delivery_is_overdue_beyond_the_limit(client, settings):
    settings.GYM_READY_MAX_DELIVERY_LAG_SECONDS = 300
    overdue(400, status=Delivery.Status.FAILED)

    response = client.get(READY)

    assert response.status_code == 503
    assert response.content.decode().startswith("deliveries: Unavailable: a delivery has been due")
    assert "(limit 300 s)" in response.content.decode()


@pytest.mark.django_db
def test_deliveries_within_the_limit_or_not_yet_due_keep_the_instance_ready(client, settings):
    settings.GYM_READY_MAX_DELIVERY_LAG_SECONDS = 300
    overdue(200)
    overdue(-3600, status=Delivery.Status.FAILED)  # its retry is an hour away
    overdue(5000, status=Delivery.Status.DELIVERED)
    overdue(5000, status=Delivery.Status.DEAD)  # given up: an alert, not a reason to drain

    assert client.get(READY).status_code == 200


@pytest.mark.django_db
def test_a_lag_limit_of_zero_turns_the_delivery_check_off(client, settings):
    settings.GYM_READY_MAX_DELIVERY_LAG_SECONDS = 0
    overdue(100_000)

    assert client.get(READY).status_code == 200


@pytest.mark.django_db
def test_ready_answers_503_while_a_migration_is_unapplied(client):
    unapplied = [(Migration("0099_future", "ops"), False)]
    with mock.patch.object(MigrationExecutor, "migration_plan", return_value=unapplied):
        response = client.get(READY)

    assert response.status_code == 503
    assert response.content == b"migrations: Unavailable: 1 unapplied: ops.0099_future\n"


@pytest.mark.django_db
def test_once_migrations_are_applied_the_graph_is_not_read_again(client):
    assert client.get(READY).status_code == 200

    with mock.patch.object(MigrationExecutor, "__init__", side_effect=AssertionError) as built:
        assert client.get(READY).status_code == 200
    assert not built.called


@pytest.mark.django_db
def test_ready_does_not_depend_on_the_mail_server(client, settings):
    # given a mail server that refuses connections
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 1},
        }
    }

    assert client.get(READY).status_code == 200


@pytest.mark.django_db
def test_ready_costs_a_few_small_queries(client, django_assert_max_num_queries):
    client.get(READY)  # the migration graph, read once per process

    with django_assert_max_num_queries(2):  # SELECT 1, the oldest due delivery
        assert client.get(READY).status_code == 200


@pytest.mark.django_db
def test_a_database_on_a_closed_port_is_reported_unavailable():
    """PostgreSQL only: a second connection to a port nobody listens on."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a real connection to a closed port")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings_dict = {
        **connection.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": closed_port,
        "OPTIONS": {**connection.settings_dict.get("OPTIONS", {}), "connect_timeout": 2},
    }
    unreachable = type(connections["default"])(settings_dict, alias="unreachable")
    connections["unreachable"] = unreachable
    try:
        [(name, result)] = run_checks([("database", Database(alias="unreachable"))])
    finally:
        unreachable.close()
        del connections["unreachable"]

    assert name == "database"
    assert result.error is not None
    assert str(result.error).startswith("Unavailable:")
