"""What durable domain events cost, measured on a throwaway database.

    .venv/bin/python benchmarks/dispatch.py                  # SQLite (a temporary file)
    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/dispatch.py

(a) A cancel → promote round trip (a class with one booking and one waiting member; the
    booking is cancelled, the member promoted and both told by e-mail and in the app),
    through the durable dispatcher (event log, deliveries, each handler in its own
    transaction after commit; the e-mail, which only workers send, delivered right after
    as a mail worker would) and through the book's in-memory dispatcher (handlers called
    directly inside the use case's transaction), both wired with the same Django
    repositories by the one bootstrap. Mean and median milliseconds, and the ratio.
(b) PostgreSQL only: deliveries per second of one worker and of two (threads, each with its
    own connection) over pending deliveries of a handler that does nothing, and the ratio.

It never touches the database DATABASE_URL names: with PostgreSQL it creates (and at the
end drops) the database `gymbooking_bench` on the same server, with SQLite it uses a file
in a temporary directory. Every result is checked (each waiting member promoted once, each
delivery delivered once); the script exits non-zero if anything is wrong.
"""

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

BENCH_DATABASE = "gymbooking_bench"
WARM_UP = 10


def set_up_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "gymbooking.settings"
    # No console e-mail, no query log (DEBUG keeps every query in memory).
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["DEBUG"] = "False"
    os.environ["SECRET_KEY"] = f"benchmark-only-{uuid.uuid4()}"
    os.environ["GYM_EVENT_DELIVERY"] = "inline"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- (a) The cancel → promote round trip ------------------------------------------------------


def cancel_use_case(dispatcher):
    """The cancellation use case and its handlers, wired as the composition root does, but
    with the given dispatcher."""
    from gymbooking.composition import django_services

    return django_services(dispatcher=dispatcher).cancel_booking


@dataclass
class RoundTrip:
    booking_id: str
    class_id: str
    waiting_member_id: str


def fresh_class(n: int) -> RoundTrip:
    """A class tomorrow with one spot, booked by one member, and one member waiting."""
    from django.utils import timezone

    from bookings.models import Booking, WaitlistEntry
    from classes.models import FitnessClass
    from locations.models import Location
    from members.models import CreditGrant, Member

    now = timezone.now()
    tag = uuid.uuid4().hex[:12]
    starts_at = now + timedelta(days=1, minutes=n)
    spin = FitnessClass.objects.create(
        name=f"Spin {n}",
        location=Location.objects.named("Studio 1"),
        capacity=1,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
    booked = Member.objects.create(name=f"Booked {n}", email=f"booked-{tag}@example.com")
    spent = CreditGrant.objects.create(
        member=booked,
        amount=1,
        remaining=0,
        granted_at=now,
        expires_at=now + timedelta(days=30),
        reason="benchmark",
    )
    booking = Booking.objects.create(
        member=booked, fitness_class=spin, created_at=now, credit_grant=spent
    )
    waiting = Member.objects.create(name=f"Waiting {n}", email=f"waiting-{tag}@example.com")
    CreditGrant.objects.create(
        member=waiting,
        amount=1,
        remaining=1,
        granted_at=now,
        expires_at=now + timedelta(days=30),
        reason="benchmark",
    )
    WaitlistEntry.objects.create(member=waiting, fitness_class=spin, created_at=now)
    return RoundTrip(str(booking.pk), str(spin.pk), str(waiting.pk))


def check_promoted(trip: RoundTrip, how: str) -> None:
    from bookings.models import Booking

    promoted = Booking.objects.filter(
        member_id=trip.waiting_member_id, fitness_class_id=trip.class_id, status="confirmed"
    ).count()
    if promoted != 1:
        raise BenchmarkError(f"{how}: the waiting member was promoted {promoted} times, not once.")


def round_trips(iterations: int) -> dict[str, list[float]]:
    """Milliseconds per round trip of each dispatcher, run alternately after a warm-up."""
    from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
    from events.dispatcher import DurableEventDispatcher
    from events.models import Delivery

    durable = DurableEventDispatcher(inline=True)

    def send_the_mail() -> None:
        """What a mail worker does: e-mail never goes out in the committing process."""
        while durable.deliver_next_due([DeliveryQueue.MAIL]):
            pass

    cancel = {
        "in-memory dispatcher (the book's)": (cancel_use_case(InMemoryEventDispatcher()), None),
        "durable dispatcher (inline + mail)": (cancel_use_case(durable), send_the_mail),
    }
    timings: dict[str, list[float]] = {how: [] for how in cancel}
    for n in range(WARM_UP + iterations):
        for how, (use_case, then) in cancel.items():
            trip = fresh_class(n)
            started = time.perf_counter()
            use_case.execute(trip.booking_id)
            if then:
                then()
            elapsed = time.perf_counter() - started
            check_promoted(trip, how)
            if n >= WARM_UP:
                timings[how].append(elapsed * 1000)
    undelivered = Delivery.objects.exclude(status="delivered").count()
    if undelivered:
        raise BenchmarkError(f"{undelivered} durable deliveries were not delivered.")
    return timings


# --- (b) Worker throughput ---------------------------------------------------------------------


def worker_throughput(deliveries: int, workers: int) -> float:
    """Deliveries per second of `workers` threads over `deliveries` pending deliveries."""
    from dataclasses import dataclass as event

    from django.db import connection, transaction

    from domain.events import DomainEvent
    from events import registry
    from events.dispatcher import DurableEventDispatcher
    from events.models import Delivery, StoredEvent

    @event(frozen=True, kw_only=True)
    class BenchmarkPinged(DomainEvent):
        n: int

    registry.EVENT_TYPES["BenchmarkPinged"] = BenchmarkPinged
    calls: list[int] = []
    lock = threading.Lock()

    def handle(pinged: BenchmarkPinged) -> None:
        with lock:
            calls.append(pinged.n)

    dispatcher = DurableEventDispatcher(inline=False)
    dispatcher.register(BenchmarkPinged, handle, name="Benchmark.noop")
    StoredEvent.objects.filter(type="BenchmarkPinged").delete()
    for start in range(0, deliveries, 500):
        with transaction.atomic():
            dispatcher.dispatch(
                [BenchmarkPinged(n=n) for n in range(start, min(start + 500, deliveries))]
            )

    # Fresh planner statistics, as autovacuum keeps them on a live site.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Delivery._meta.db_table}, {StoredEvent._meta.db_table}")

    done = [0] * workers
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers + 1)

    def work(index: int) -> None:
        try:
            barrier.wait()
            while dispatcher.deliver_next_due():
                done[index] += 1
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    if errors:
        raise BenchmarkError(f"a worker failed: {errors[0]!r}")
    if sorted(calls) != list(range(deliveries)):
        raise BenchmarkError(
            f"{len(calls)} handler calls for {deliveries} deliveries "
            f"({len(calls) - len(set(calls))} repeated)."
        )
    delivered = Delivery.objects.filter(
        event__type="BenchmarkPinged", status="delivered", attempts=1
    ).count()
    if delivered != deliveries:
        raise BenchmarkError(f"{delivered} of {deliveries} delivered at the first attempt.")
    if workers > 1 and min(done) == 0:
        raise BenchmarkError(f"one worker did nothing: {done}")
    return deliveries / elapsed


# --- Output ------------------------------------------------------------------------------------


def table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        first, *rest = row
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        )

    rule = "-" * len(line(header))
    return "\n".join([title, rule, line(header), rule, *map(line, rows), rule])


def database_description() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]} (database {BENCH_DATABASE}, dropped after)"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (a temporary file, WAL)"


def run(iterations: int, deliveries: int, say: Callable[[str], None]) -> None:
    from django.db import connection

    say(f"gymbooking event dispatch benchmark on {database_description()}\n")

    timings = round_trips(iterations)
    memory, durable = timings.values()
    rows = [
        (how, f"{statistics.fmean(ms):.2f}", f"{statistics.median(ms):.2f}")
        for how, ms in timings.items()
    ]
    ratio = statistics.fmean(durable) / statistics.fmean(memory)
    rows.append(("ratio durable / in-memory", f"{ratio:.2f}x", ""))
    say(
        table(
            f"(a) cancel -> promote -> notify round trip, N={iterations} each",
            ("dispatcher", "mean ms", "median ms"),
            rows,
        )
    )
    say("")

    if connection.vendor != "postgresql":
        say("(b) worker throughput: PostgreSQL only (SKIP LOCKED); skipped on SQLite.")
        return
    one = worker_throughput(deliveries, workers=1)
    two = worker_throughput(deliveries, workers=2)
    say(
        table(
            f"(b) worker throughput, {deliveries} pending deliveries of a no-op handler",
            ("workers", "deliveries/s"),
            [
                ("one", f"{one:.0f}"),
                ("two (threads)", f"{two:.0f}"),
                ("ratio", f"{two / one:.2f}x"),
            ],
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200, help="round trips (default 200)")
    parser.add_argument(
        "--deliveries", type=int, default=2000, help="deliveries for the workers (default 2000)"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3"
    with throwaway_database(url, BENCH_DATABASE) as bench_url:
        set_up_django(bench_url)
        run(args.iterations, args.deliveries, print)


if __name__ == "__main__":
    exit_after(main)
