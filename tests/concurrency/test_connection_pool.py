"""Django's PostgreSQL connection pool (DATABASE_POOL) under more threads than connections:
every thread gets a connection within the pool's timeout, none errors, and the server never
sees more connections than the pool's maximum.

Each thread behaves like a gunicorn thread serving requests: a query, then the connection
is closed (Django hands it back to the pool at the end of a request), twenty times over.
"""

import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db]

THREADS = 32
QUERIES_PER_THREAD = 20
POOL = {"min_size": 2, "max_size": 10, "timeout": 10.0}


@pytest.fixture
def pooled_settings():
    """The test database's settings with the pool on, for the connections threads open;
    the pool is closed and the settings restored afterwards."""
    database = connections.settings["default"]
    saved = {key: database.get(key) for key in ("OPTIONS", "CONN_MAX_AGE")}
    database["OPTIONS"] = {**database.get("OPTIONS", {}), "pool": POOL}
    database["CONN_MAX_AGE"] = 0
    try:
        yield database
    finally:
        pools = type(connections["default"])._connection_pools
        pool = pools.pop("default", None)
        if pool is not None:
            pool.close()
        database.update(saved)


def test_a_pool_of_ten_serves_thirty_two_threads_without_errors(pooled_settings, run_concurrently):
    def serve_requests() -> set[int]:
        backends = set()
        for _ in range(QUERIES_PER_THREAD):
            assert connection.pool is not None  # this thread's connection is pooled
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
            connection.close()  # back to the pool, as at the end of a request
        return backends

    outcomes = run_concurrently([serve_requests] * THREADS, timeout=60)

    errors = [outcome.error for outcome in outcomes if not outcome.ok]
    assert errors == []
    assert len(outcomes) == THREADS
    backends = set().union(*(outcome.result for outcome in outcomes))
    assert 1 <= len(backends) <= POOL["max_size"]
