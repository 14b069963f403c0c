"""A worker whose database connection is cut again and again (PostgreSQL's
`pg_terminate_backend`, every half second, from another connection) notices at once, opens a
fresh connection and goes on: every delivery is applied exactly once, with no long stall.

The worker is a real `process_events` process; its handler writes a row per call to a table
without a unique constraint, so a delivery applied twice would show as two rows.
"""

import itertools
import time

import pytest
from django.db import connection, transaction

from domain.values import new_id
from events.dispatcher import DurableEventDispatcher
from events.models import Delivery
from tests.concurrency.parcels import ParcelArrived
from tests.worker_process import APPLICATION_NAME, wait_until

pytestmark = [
    pytest.mark.usefixtures("parcel_events"),
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
]

DELIVERIES = 1000
KILL_EVERY = 0.5  # seconds
KILL_FOR = 10.0  # seconds at most
DRAINED_WITHIN = 60.0  # seconds: a generous bound (about 10 s is usual)
LONGEST_STALL = 1.0  # seconds between two deliveries, kills included
EFFECTS = "test_recovery_effect"
HANDLER = "ParcelArrived.counting"

WORKER = f"""
import itertools
import time
from django.core.management import call_command
from django.db import connection
from events import registry
from gymbooking.composition import services
from tests.concurrency.parcels import ParcelArrived

registry.EVENT_TYPES["ParcelArrived"] = ParcelArrived

def count(event):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO {EFFECTS} (event_id) VALUES (%s)", [event.event_id])
    time.sleep(0.005)  # a handler that takes a moment, so the kills land mid-work too

services().dispatcher.register(ParcelArrived, count, name="{HANDLER}")
call_command("process_events", "--queue", "fast")  # polling every 2 s
"""


@pytest.fixture
def effects_table():
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {EFFECTS} (event_id varchar(36) NOT NULL, "
            "at timestamptz NOT NULL DEFAULT clock_timestamp(), "
            "backend integer NOT NULL DEFAULT pg_backend_pid())"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {EFFECTS}")


def effects() -> list[tuple[str, float, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT event_id, extract(epoch from at), backend FROM {EFFECTS} ORDER BY at"
        )
        return [(str(event_id), float(at), backend) for event_id, at, backend in cursor.fetchall()]


def undelivered() -> int:
    return Delivery.objects.exclude(status="delivered").count()


def cut_the_workers_connection() -> int:
    """Terminate the worker's backend from this connection; how many were terminated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def test_a_worker_whose_connection_is_cut_again_and_again_delivers_everything_exactly_once(
    processes, effects_table
):
    # given 1000 due fast deliveries, committed
    dispatcher = DurableEventDispatcher(inline=False)
    dispatcher.register(ParcelArrived, lambda event: None, name=HANDLER)
    events = [ParcelArrived(member_id=new_id(), parcel=n) for n in range(DELIVERIES)]
    with transaction.atomic():
        dispatcher.dispatch(events)

    # when a worker drains them while its connection is cut every half second for 10 s
    started = time.monotonic()
    worker = processes.start_python(WORKER)
    wait_until(lambda: effects(), timeout=30, what="the worker's first delivery")
    cuts = 0
    while time.monotonic() - started < KILL_FOR and undelivered():
        cuts += cut_the_workers_connection()
        time.sleep(KILL_EVERY)
    wait_until(lambda: not undelivered(), timeout=DRAINED_WITHIN, what="every delivery")
    drained_in = time.monotonic() - started
    took = worker.stop(timeout=10)
    log = worker.log()

    # then its connection really was cut, many times, while it worked
    assert cuts >= 5, f"only {cuts} cuts landed"
    assert log.count("process_events lost the database") >= 5, log[-3000:]
    # and every delivery was applied exactly once, and is delivered at its first attempt
    rows = effects()
    assert len(rows) == DELIVERIES
    assert sorted(event_id for event_id, _, _ in rows) == sorted(e.event_id for e in events)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
    # and it went on at once after each cut, on fresh connections, without a long stall
    assert len({backend for _, _, backend in rows}) > cuts // 2
    gaps = [later - earlier for (_, earlier, _), (_, later, _) in itertools.pairwise(rows)]
    assert max(gaps) < LONGEST_STALL, f"the longest pause between deliveries was {max(gaps):.2f} s"
    assert drained_in < DRAINED_WITHIN
    # and the worker is still a worker: it stops cleanly when asked
    assert worker.returncode == 0, log[-3000:]
    print(
        f"\n{DELIVERIES} deliveries in {drained_in:.1f} s through {cuts} cut connections; "
        f"longest pause {max(gaps) * 1000:.0f} ms; stopped in {took:.2f} s"
    )
