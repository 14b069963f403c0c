"""Running use cases at the same moment from several threads, each on its own connection.

Django gives every thread its own database connection; a thread must close it when done, or
the test database cannot be flushed (and PostgreSQL runs out of connections).
"""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from events import registry
from payments import webhooks
from tests.concurrency.parcels import ParcelArrived

THREAD_TIMEOUT_SECONDS = 60


@pytest.fixture
def parcel_events(monkeypatch):
    """The worker tests' own event type, known to the event registry while they run."""
    monkeypatch.setitem(registry.EVENT_TYPES, "ParcelArrived", ParcelArrived)


@pytest.fixture
def slow_invoice_paid(monkeypatch):
    """Stripe's `invoice.paid` takes a moment after acting, so two deliveries of it are
    inside their transactions together."""
    handler = webhooks.HANDLERS["invoice.paid"]

    def slowly(services, invoice):
        acted = handler(services, invoice)
        time.sleep(0.2)
        return acted

    monkeypatch.setitem(webhooks.HANDLERS, "invoice.paid", slowly)


@dataclass(frozen=True)
class Outcome:
    """What one thread's call returned, or the exception it raised."""

    result: Any = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_concurrently(
    tasks: Sequence[Callable[[], Any]], *, timeout: float = THREAD_TIMEOUT_SECONDS
) -> list[Outcome]:
    """Start one thread per task, release them together from a barrier, wait for all.

    Returns one `Outcome` per task, in the order of `tasks`. Each thread closes its database
    connection when its task is over, whatever happened. Fails the test if a thread hangs.
    """
    barrier = threading.Barrier(len(tasks))
    outcomes: list[Outcome | None] = [None] * len(tasks)

    def work(index: int, task: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = Outcome(result=task())
        except Exception as error:
            outcomes[index] = Outcome(error=error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(index, task), name=f"task-{index}", daemon=True)
        for index, task in enumerate(tasks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    hung = [thread.name for thread in threads if thread.is_alive()]
    if hung:
        pytest.fail(f"{len(hung)} thread(s) still running after {timeout} s: {hung}")
    return [outcome for outcome in outcomes if outcome is not None]


@pytest.fixture(name="run_concurrently")
def run_concurrently_fixture() -> Callable[..., list[Outcome]]:
    """`run_concurrently(tasks)`: the tasks' outcomes, after running them all at once."""
    return run_concurrently
