"""Workers sharing deliveries on PostgreSQL: each delivery's row is locked while it runs and
other workers skip it (`FOR UPDATE SKIP LOCKED`), so several workers split the work and no
delivery runs twice, nor does a worker run one the committing process is running.

The handler's effect is a row in a table of its own with no unique constraint, so a delivery
that ran twice would show as two rows rather than as an error.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

import events.dispatcher
from domain.values import new_id
from events.dispatcher import DurableEventDispatcher
from events.models import Delivery
from tests.concurrency.parcels import ParcelArrived

pytestmark = [
    pytest.mark.usefixtures("parcel_events"),
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
]

EFFECTS_TABLE = "test_worker_effect"
HANDLER = "ParcelArrived.counting"


@pytest.fixture(autouse=True)
def effects_table():
    """One row per handler call: (event id, the thread that ran it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {EFFECTS_TABLE} (event_id varchar(36) NOT NULL, "
            "worker varchar(40) NOT NULL)"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {EFFECTS_TABLE}")


def count_parcel(event: ParcelArrived) -> None:
    """The handler: writes its effect in the delivery's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EFFECTS_TABLE} (event_id, worker) VALUES (%s, %s)",
            [event.event_id, threading.current_thread().name],
        )


def effects() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_id, worker FROM {EFFECTS_TABLE}")
        return [(str(event_id), worker) for event_id, worker in cursor.fetchall()]


def parcels(count: int) -> list[ParcelArrived]:
    return [ParcelArrived(member_id=new_id(), parcel=n) for n in range(count)]


def work_until_none_due(dispatcher: DurableEventDispatcher) -> int:
    """A worker: deliver what is due until nothing is; how many it delivered."""
    delivered = 0
    while dispatcher.deliver_next_due():
        delivered += 1
    return delivered


def test_two_workers_deliver_500_deliveries_each_exactly_once_and_share_the_work(
    run_concurrently,
):
    # given 500 due deliveries, recorded by a web process in worker mode
    dispatcher = DurableEventDispatcher(inline=False)
    dispatcher.register(ParcelArrived, count_parcel, name=HANDLER)
    events = parcels(500)
    with transaction.atomic():
        dispatcher.dispatch(events)
    assert Delivery.objects.filter(status="pending").count() == 500

    # when two workers start at the same moment, each until nothing is due
    outcomes = run_concurrently(
        [lambda: work_until_none_due(dispatcher), lambda: work_until_none_due(dispatcher)]
    )

    # then neither failed, and together they delivered all 500
    assert [outcome.error for outcome in outcomes] == [None, None]
    per_worker = [outcome.result for outcome in outcomes]
    assert sum(per_worker) == 500
    # and every event's effect was applied exactly once
    rows = effects()
    assert len(rows) == 500
    assert sorted(event_id for event_id, _ in rows) == sorted(e.event_id for e in events)
    # and every delivery is delivered at its first attempt
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
    # and both workers did work, as much as they say they did
    assert all(count > 0 for count in per_worker), per_worker
    by_thread = [sum(1 for _, worker in rows if worker == f"task-{n}") for n in (0, 1)]
    assert by_thread == per_worker


def test_control_without_the_row_lock_two_workers_run_deliveries_twice(
    run_concurrently, monkeypatch
):
    """Shows the race the lock prevents is real: take `SELECT ... FOR UPDATE SKIP LOCKED`
    away and two workers pick the same due delivery and both apply it."""
    # given the row lock switched off, and 500 due deliveries of a handler that takes a moment
    monkeypatch.setattr(events.dispatcher, "TAKE_LOCK", "")

    def slow_count_parcel(event: ParcelArrived) -> None:
        count_parcel(event)
        time.sleep(0.001)

    dispatcher = DurableEventDispatcher(inline=False)
    dispatcher.register(ParcelArrived, slow_count_parcel, name=HANDLER)
    with transaction.atomic():
        dispatcher.dispatch(parcels(500))

    # when two workers run at the same moment
    outcomes = run_concurrently(
        [lambda: work_until_none_due(dispatcher), lambda: work_until_none_due(dispatcher)]
    )

    # then some effects were applied twice
    assert [outcome.error for outcome in outcomes] == [None, None]
    rows = effects()
    assert len(rows) > len({event_id for event_id, _ in rows}) == 500


def test_a_worker_never_runs_a_delivery_the_committing_process_is_running(run_concurrently):
    # given inline delivery with no grace: workers may take fresh deliveries at once
    dispatcher = DurableEventDispatcher(inline=True, worker_grace=timedelta(0))

    def slow_count_parcel(event: ParcelArrived) -> None:
        count_parcel(event)
        time.sleep(0.002)  # long enough for the two to meet on the same rows

    dispatcher.register(ParcelArrived, slow_count_parcel, name=HANDLER)
    events = parcels(200)

    def commit_and_deliver_inline() -> None:
        with transaction.atomic():
            dispatcher.dispatch(events)
        # the deliveries ran right after the commit, in this thread

    def worker() -> int:
        deadline = time.monotonic() + 30
        delivered = 0
        while time.monotonic() < deadline:
            if dispatcher.deliver_next_due():
                delivered += 1
            elif not Delivery.objects.exclude(status="delivered").exists() and (
                Delivery.objects.count() == len(events)
            ):
                break
            else:
                time.sleep(0.001)  # nothing visible yet: the other thread has not committed
        return delivered

    # when the process that commits and a worker run at the same time
    outcomes = run_concurrently([commit_and_deliver_inline, worker])

    # then every delivery was delivered once, by one of them
    assert [outcome.error for outcome in outcomes] == [None, None]
    rows = effects()
    assert sorted(event_id for event_id, _ in rows) == sorted(e.event_id for e in events)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
    assert outcomes[1].result == sum(1 for _, worker in rows if worker == "task-1")


def test_a_failing_delivery_stays_locked_until_its_failure_is_recorded():
    """Between a handler's failure and the record of it, another worker must not find the
    delivery due and unlocked, or it would run it again at once and count two attempts."""
    # given one due delivery of a handler that fails, and a second worker that tries to
    # take work at the moment the first one's handler has just failed
    dispatcher = DurableEventDispatcher(inline=False)
    calls: list[str] = []

    def jammed(event: ParcelArrived) -> None:
        calls.append(threading.current_thread().name)
        raise RuntimeError("parcel locker jammed")

    dispatcher.register(ParcelArrived, jammed, name=HANDLER)
    dispatcher.dispatch(parcels(1))
    second_worker: list[bool] = []

    def second_worker_takes_work() -> None:
        try:
            second_worker.append(dispatcher.deliver_next_due())
        finally:
            connection.close()

    def after_the_failure(execute, sql, params, many, context):
        if calls and not second_worker:
            other = threading.Thread(target=second_worker_takes_work, name="second-worker")
            other.start()
            other.join(10)
        return execute(sql, params, many, context)

    # when the first worker runs it, and the second worker looks for work right after the
    # handler failed (on the first worker's next query)
    with connection.execute_wrapper(after_the_failure):
        assert dispatcher.deliver_next_due() is True

    # then the second worker found nothing to do, and the failure counts once
    assert second_worker == [False]
    assert calls == [threading.current_thread().name]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
