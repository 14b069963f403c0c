"""The pool's check before it hands out a connection: an idle connection the server has said
nothing to is taken as it is (a poll of its socket, no round trip per request), and one the
server has closed — a restart, a terminated backend — is caught and replaced."""

import time

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from gymbooking.pool import check_pooled_connection

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idle_connection():
    params = connection.get_connection_params()
    conn = psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def test_an_idle_healthy_connection_passes_without_a_round_trip(idle_connection, monkeypatch):
    round_trips = []
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(round_trips.append))

    check_pooled_connection(idle_connection)

    assert round_trips == []
    assert idle_connection.execute("SELECT 1").fetchone() == (1,)


def test_a_connection_whose_server_process_ended_fails_the_check(idle_connection):
    pid = idle_connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the server's goodbye reaches the socket

    with pytest.raises(psycopg.OperationalError):
        check_pooled_connection(idle_connection)
