"""Booking and cancelling through the use cases against the same writes in raw SQL.

    .venv/bin/python benchmarks/use_cases.py                  # SQLite (a temporary file)
    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/use_cases.py

One measured cycle is a member booking a class and cancelling it again (refunded: the class
is days ahead), as `services()` does it in each delivery mode, and as the essential writes
do it in raw SQL on the same connection:

- book: lock the class, count its spots, lock the member, spend her soonest-expiring grant
  (one UPDATE … RETURNING), insert the booking, the event and its deliveries;
- cancel: lock the booking, read the class's start, lock the member, insert the refund
  grant, update the booking, insert the events and their deliveries.

The raw SQL writes the very events and deliveries the use cases write (the subscriptions are
read from the dispatcher; the counts are checked). "raw SQL + handlers" then runs the fast
deliveries after commit as `inline` does, each in its own transaction: take the delivery;
the in-app notice (read the class, the booking and the member, insert the notice) or the
promotion (lock the class, count its spots, read its waitlist); mark it delivered. E-mail
is left to the mail workers in every variant, as on the site.

The four variants run interleaved in rounds (the order rotates each round), so the drift of
a shared machine hits them alike; each round's median per variant gives the per-round
ratios, whose median and range are printed last. SQLite always; PostgreSQL too when
DATABASE_URL names a server. It never touches the database DATABASE_URL names: on
PostgreSQL it creates and drops `gymbooking_bench_use_cases`, on SQLite it uses a temporary
file. Every cycle is checked; the script exits non-zero if anything is wrong.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

BENCH_DATABASE = "gymbooking_bench_use_cases"
MEMBERS = 40
CLASSES = 10
WARM_UP = 5
SPOT_HOLDING = ("attended", "confirmed", "no_show")
VARIANTS = ("use cases, worker", "raw SQL", "use cases, inline", "raw SQL + handlers")


def set_up_django(database_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="gymbooking.settings",
        EMAIL_URL="memorymail://",
        DEBUG="False",  # no query log kept in memory
        SECRET_KEY=f"benchmark-only-{uuid.uuid4()}",
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- The data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    member_id: str
    class_id: str


def seed() -> list[Seat]:
    """Members with one credit each and classes two days ahead: a booking and its
    cancellation leave every member as she was (the refund replaces the credit)."""
    from django.utils import timezone

    from classes.models import FitnessClass
    from locations.models import Location
    from members.models import CreditGrant, Member

    now = timezone.now()
    classes = [
        FitnessClass.objects.create(
            name=f"Spin {n}",
            capacity=20,
            starts_at=now + timedelta(days=2, hours=n),
            ends_at=now + timedelta(days=2, hours=n, minutes=45),
            instructor="Ines",
            location=Location.objects.named("Studio 1"),
        )
        for n in range(CLASSES)
    ]
    seats = []
    for n in range(MEMBERS):
        member = Member.objects.create(name=f"Member {n}", email=f"member{n}@example.com")
        CreditGrant.objects.create(
            member=member,
            amount=1,
            remaining=1,
            granted_at=now,
            expires_at=now + timedelta(days=60),
            reason="benchmark",
        )
        seats.append(Seat(str(member.pk), str(classes[n % CLASSES].pk)))
    return seats


# --- The use cases -------------------------------------------------------------------------


def use_cases(*, inline: bool) -> Callable[[Seat], None]:
    from events.dispatcher import DurableEventDispatcher
    from gymbooking.composition import django_services

    services = django_services(dispatcher=DurableEventDispatcher(inline=inline))

    def cycle(seat: Seat) -> None:
        booking = services.book_class.execute(seat.member_id, seat.class_id)
        services.cancel_booking.execute(booking.id, member_id=seat.member_id)

    return cycle


# --- The same writes in raw SQL --------------------------------------------------------------


class Raw:
    """The essential writes of booking and cancelling, hand-written, on Django's connection
    (the same driver and settings the use cases run on)."""

    def __init__(self, *, handlers: bool) -> None:
        from django.db import connection

        from domain import events
        from events.dispatcher import DurableEventDispatcher
        from gymbooking.composition import django_services

        self.postgres = connection.vendor == "postgresql"
        self.lock = " FOR UPDATE" if self.postgres else ""
        self.skip_locked = " FOR UPDATE SKIP LOCKED" if self.postgres else ""
        self.handlers = handlers
        dispatcher = DurableEventDispatcher(inline=True)
        django_services(dispatcher=dispatcher)  # registers every subscription
        self.subscriptions = {
            name: [(s.name, str(s.queue)) for s in dispatcher.subscriptions_for(sample)]
            for name, sample in _sample_events(events).items()
        }
        self.run_fast = {
            "NotificationHandler.in_app": self._in_app_notice,
            "WaitlistPromotionHandler.handle": self._promotion,
        }
        for event_subscriptions in self.subscriptions.values():
            for handler, queue in event_subscriptions:
                if queue == "fast" and handler not in self.run_fast:
                    raise BenchmarkError(f"raw SQL has no twin of the fast handler {handler}")

    # Values as the driver takes them: PostgreSQL adapts uuid and datetime itself, SQLite
    # stores Django's text forms.
    def id(self, value: str | uuid.UUID) -> object:
        value = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return value if self.postgres else value.hex

    def time(self, value: datetime) -> object:
        from django.utils import timezone

        return value if self.postgres else timezone.make_naive(value, timezone.UTC).isoformat()

    def json(self, payload: dict) -> object:
        if self.postgres:
            from psycopg.types.json import Jsonb

            return Jsonb(payload)
        return json.dumps(payload)

    def cycle(self, seat: Seat) -> None:
        booking_id, fast = self.book(seat)
        self.deliver(fast)
        self.deliver(self.cancel(booking_id))

    def book(self, seat: Seat) -> tuple[str, list[int]]:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as c:
            now = datetime.now(tz=_utc())
            class_id, member_id = self.id(seat.class_id), self.id(seat.member_id)
            c.execute(
                f"SELECT capacity FROM classes_fitnessclass WHERE id = %s{self.lock}", [class_id]
            )
            (capacity,) = c.fetchone()
            c.execute(
                "SELECT COUNT(*) FROM bookings_booking WHERE fitness_class_id = %s"
                " AND status IN (%s, %s, %s)",
                [class_id, *SPOT_HOLDING],
            )
            if c.fetchone()[0] >= capacity:
                raise BenchmarkError("the class is full")
            c.execute(f"SELECT id FROM members_member WHERE id = %s{self.lock}", [member_id])
            c.fetchone()
            c.execute(
                "UPDATE members_creditgrant SET remaining = remaining - 1 WHERE id = ("
                " SELECT id FROM members_creditgrant WHERE member_id = %s AND remaining > 0"
                " AND expires_at > %s ORDER BY expires_at, granted_at, id LIMIT 1) RETURNING id",
                [member_id, self.time(now)],
            )
            grant = c.fetchone()
            if grant is None:
                raise BenchmarkError("no credit to spend")
            booking_id = uuid.uuid4()
            c.execute(
                "INSERT INTO bookings_booking (id, member_id, fitness_class_id, status,"
                " created_at, cancellation_reason, credit_grant_id)"
                " VALUES (%s, %s, %s, 'confirmed', %s, '', %s)",
                [self.id(booking_id), member_id, class_id, self.time(now), grant[0]],
            )
            ids = {"booking_id": str(booking_id), **_ids(seat)}
            fast = self.record(c, [("BookingConfirmed", ids)], now)
        return str(booking_id), fast

    def cancel(self, booking_id: str) -> list[int]:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as c:
            now = datetime.now(tz=_utc())
            c.execute(
                "SELECT member_id, fitness_class_id, status FROM bookings_booking"
                f" WHERE id = %s{self.lock}",
                [self.id(booking_id)],
            )
            member_id, class_id, status = c.fetchone()
            if status != "confirmed":
                raise BenchmarkError(f"cancelling a booking that is {status}")
            c.execute("SELECT starts_at FROM classes_fitnessclass WHERE id = %s", [class_id])
            c.fetchone()
            c.execute(f"SELECT id FROM members_member WHERE id = %s{self.lock}", [member_id])
            c.fetchone()
            refund = uuid.uuid4()
            c.execute(
                "INSERT INTO members_creditgrant (id, member_id, amount, remaining, granted_at,"
                " expires_at, reason, expiry_recorded) VALUES (%s, %s, 1, 1, %s, %s, %s, %s)",
                [
                    self.id(refund),
                    member_id,
                    self.time(now),
                    self.time(now + timedelta(days=30)),
                    "Refund",
                    False,
                ],
            )
            c.execute(
                "UPDATE bookings_booking SET status = 'cancelled', cancelled_at = %s,"
                " refund_grant_id = %s WHERE id = %s",
                [self.time(now), self.id(refund), self.id(booking_id)],
            )
            seat = {"member_id": str(uuid.UUID(str(member_id))), "class_id": str(class_id)}
            fast = self.record(
                c,
                [
                    ("BookingCancelled", {"booking_id": booking_id, **seat}),
                    ("CreditsAdded", {"member_id": seat["member_id"], "grant_id": str(refund)}),
                    ("ClassSpotBecameAvailable", {"class_id": str(class_id)}),
                ],
                now,
            )
        return fast

    def record(self, c, events: list[tuple[str, dict]], now: datetime) -> list[int]:
        """The event rows and their delivery rows; the ids of the fast deliveries."""
        rows, deliveries = [], []
        for type_name, payload in events:
            event_id = uuid.uuid4()
            rows += [
                self.id(event_id),
                type_name,
                1,
                self.json(payload),
                self.time(now),
                self.time(now),
                "system",
                self.id(payload["class_id"]) if "class_id" in payload else None,
                self.id(payload["member_id"]) if "member_id" in payload else None,
            ]
            for handler, queue in self.subscriptions[type_name]:
                deliveries += [self.id(event_id), handler, queue, self.time(now), self.time(now)]
        c.execute(
            "INSERT INTO events_storedevent (id, type, schema_version, payload, occurred_at,"
            " recorded_at, actor_kind, actor_label, class_id, member_id) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, '', %s, %s)"] * len(events)),
            rows,
        )
        c.execute(
            "INSERT INTO events_delivery (event_id, handler, queue, status, attempts,"
            " next_attempt_at, last_error, created_at, superseded_reason) VALUES "
            + ", ".join(["(%s, %s, %s, 'pending', 0, %s, '', %s, '')"] * (len(deliveries) // 5))
            + " RETURNING id, queue",
            deliveries,
        )
        return [pk for pk, queue in c.fetchall() if queue == "fast"]

    def deliver(self, delivery_ids: list[int]) -> None:
        """As `inline` does after commit: each fast delivery in its own transaction."""
        from django.db import connection, transaction

        if not self.handlers:
            return
        for delivery_id in delivery_ids:
            with transaction.atomic(), connection.cursor() as c:
                c.execute(
                    "SELECT d.handler, e.payload FROM events_delivery d JOIN events_storedevent e"
                    " ON e.id = d.event_id WHERE d.id = %s AND d.status IN ('pending', 'failed')"
                    + (" FOR UPDATE OF d SKIP LOCKED" if self.postgres else ""),
                    [delivery_id],
                )
                handler, payload = c.fetchone()
                payload = payload if isinstance(payload, dict) else json.loads(payload)
                self.run_fast[handler](c, payload)
                c.execute(
                    "UPDATE events_delivery SET status = 'delivered', attempts = 1,"
                    " delivered_at = %s WHERE id = %s",
                    [self.time(datetime.now(tz=_utc())), delivery_id],
                )

    def _in_app_notice(self, c, payload: dict) -> None:
        c.execute(
            "SELECT name, starts_at FROM classes_fitnessclass WHERE id = %s",
            [self.id(payload["class_id"])],
        )
        name, _ = c.fetchone()
        c.execute(
            "SELECT status, refund_grant_id FROM bookings_booking WHERE id = %s",
            [self.id(payload["booking_id"])],
        )
        c.fetchone()
        c.execute("SELECT name FROM members_member WHERE id = %s", [self.id(payload["member_id"])])
        c.fetchone()
        c.execute(
            "INSERT INTO notifications_notification (member_id, kind, fitness_class_id, title,"
            " body, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                self.id(payload["member_id"]),
                "booking_confirmed",
                self.id(payload["class_id"]),
                f"Booked: {name}",
                "",
                self.time(datetime.now(tz=_utc())),
            ],
        )

    def _promotion(self, c, payload: dict) -> None:
        class_id = self.id(payload["class_id"])
        c.execute(f"SELECT capacity FROM classes_fitnessclass WHERE id = %s{self.lock}", [class_id])
        c.fetchone()
        c.execute(
            "SELECT COUNT(*) FROM bookings_booking WHERE fitness_class_id = %s"
            " AND status IN (%s, %s, %s)",
            [class_id, *SPOT_HOLDING],
        )
        c.fetchone()
        c.execute(
            "SELECT id FROM bookings_waitlistentry WHERE fitness_class_id = %s"
            " ORDER BY created_at, id",
            [class_id],
        )
        if c.fetchall():
            raise BenchmarkError("nobody should be waiting")


def _utc():
    from datetime import UTC

    return UTC


def _ids(seat: Seat) -> dict[str, str]:
    return {"member_id": seat.member_id, "class_id": seat.class_id}


def _sample_events(events) -> dict[str, object]:
    """One event of each type a cycle records, to ask the dispatcher who subscribes."""
    now = datetime.now(tz=_utc())
    ids = {"member_id": str(uuid.uuid4()), "class_id": str(uuid.uuid4())}
    booking = {"booking_id": str(uuid.uuid4()), **ids}
    return {
        "BookingConfirmed": events.BookingConfirmed(**booking, occurred_at=now),
        "BookingCancelled": events.BookingCancelled(**booking, occurred_at=now),
        "CreditsAdded": events.CreditsAdded(
            member_id=ids["member_id"],
            grant_id=str(uuid.uuid4()),
            amount=1,
            expires_at=now,
            occurred_at=now,
        ),
        "ClassSpotBecameAvailable": events.ClassSpotBecameAvailable(
            class_id=ids["class_id"], occurred_at=now
        ),
    }


# --- Measuring -----------------------------------------------------------------------------


def written() -> tuple[int, int]:
    from events.models import Delivery, StoredEvent

    return StoredEvent.objects.count(), Delivery.objects.count()


def statements_per_cycle(cycle: Callable[[Seat], None], seat: Seat) -> int:
    """Data statements of one cycle (handlers after commit included); WITH counts: a
    statement may insert inside one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        cycle(seat)
    verbs = [q["sql"].lstrip().split(" ", 1)[0].upper() for q in captured.captured_queries]
    return sum(verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH") for verb in verbs)


def check(seats: list[Seat]) -> None:
    """Every member as she started: one spendable credit, no booking holding a spot."""
    from django.db.models import Sum

    from bookings.models import Booking
    from members.models import CreditGrant

    held = Booking.objects.filter(status__in=SPOT_HOLDING).count()
    if held:
        raise BenchmarkError(f"{held} bookings still hold a spot after book -> cancel")
    for seat in seats:
        credits = CreditGrant.objects.filter(member_id=seat.member_id).aggregate(
            total=Sum("remaining")
        )["total"]
        if credits != 1:
            raise BenchmarkError(f"member {seat.member_id} has {credits} credits, not 1")


def measure(rounds: int, cycles: int, max_seconds: float, say) -> dict:
    from django.db import connection

    load_before = f"{os.getloadavg()[0]:.1f}"
    seats = seed()
    variants = {
        "use cases, worker": use_cases(inline=False),
        "raw SQL": Raw(handlers=False).cycle,
        "use cases, inline": use_cases(inline=True),
        "raw SQL + handlers": Raw(handlers=True).cycle,
    }
    n = 0

    def next_seat() -> Seat:
        nonlocal n
        n += 1
        return seats[n % len(seats)]

    # Warm up, count the statements, and check that raw SQL writes what the use cases write.
    statements, rows = {}, {}
    for name, cycle in variants.items():
        for _ in range(WARM_UP):
            cycle(next_seat())
        before = written()
        statements[name] = statements_per_cycle(cycle, next_seat())
        after = written()
        rows[name] = (after[0] - before[0], after[1] - before[1])
    if len(set(rows.values())) != 1:
        raise BenchmarkError(f"the variants write different events/deliveries: {rows}")
    check(seats)

    per_round: dict[str, list[float]] = {name: [] for name in variants}
    spreads: dict[str, list[float]] = {name: [] for name in variants}
    started = time.monotonic()
    done_rounds = 0
    for r in range(rounds):
        if time.monotonic() - started > max_seconds:
            say(f"  (stopped after {done_rounds} rounds: the {max_seconds:.0f} s budget)")
            break
        order = list(variants)[r % len(variants) :] + list(variants)[: r % len(variants)]
        for name in order:
            times = []
            for _ in range(cycles):
                seat = next_seat()
                t = time.perf_counter()
                variants[name](seat)
                times.append((time.perf_counter() - t) * 1000)
            per_round[name].append(statistics.median(times))
            spreads[name].append(max(times) / min(times))
        done_rounds += 1
    check(seats)
    return {
        "database": database_description(connection),
        "machine": f"{os.cpu_count()} cores, load average {load_before} before, "
        f"{os.getloadavg()[0]:.1f} after",
        "rounds": done_rounds,
        "cycles": cycles,
        "per_round_ms": per_round,
        "statements": statements,
        "rows_per_cycle": rows["raw SQL"],
    }


def database_description(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


# --- Output --------------------------------------------------------------------------------

RATIOS = (
    ("use cases, worker", "raw SQL", 2.0),
    ("use cases, inline", "raw SQL + handlers", 2.0),
    ("use cases, inline", "raw SQL", None),
)


def _range(values: list[float], fmt: str) -> str:
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}"


def report(result: dict, say) -> None:
    per_round = result["per_round_ms"]
    events, deliveries = result["rows_per_cycle"]
    say(
        f"\n{result['database']}: {result['rounds']} rounds x {result['cycles']} book -> cancel"
        f" cycles per variant, interleaved (each cycle writes {events} events,"
        f" {deliveries} deliveries)"
    )
    say(f"  machine: {result['machine']}")
    say(f"  {'variant':<22}{'median ms':>10}{'rounds range':>16}{'statements':>12}")
    for name in VARIANTS:
        ms = per_round[name]
        say(
            f"  {name:<22}{statistics.median(ms):>10.2f}{_range(ms, '{:.2f}'):>16}"
            f"{result['statements'][name]:>12}"
        )
    raw = per_round["raw SQL"]
    say(
        f"  noise: the raw SQL's per-round median ranged {_range(raw, '{:.2f}')} ms"
        f" ({max(raw) / min(raw):.2f}x between its fastest and slowest round)"
    )


def ratios(result: dict) -> list[tuple[str, str, str]]:
    per_round = result["per_round_ms"]
    rows = []
    for slow, fast, target in RATIOS:
        each = [s / f for s, f in zip(per_round[slow], per_round[fast], strict=True)]
        median = statistics.median(each)
        verdict = "" if target is None else (" ok" if median <= target else " MISSED")
        rows.append(
            (
                f"{slow} / {fast}",
                f"{median:.2f}x (rounds {_range(each, '{:.2f}')})",
                "" if target is None else f"<= {target:.0f}x{verdict}",
            )
        )
    return rows


# --- Running -------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    """Measure on the database DATABASE_URL names (a throwaway beside it); JSON on stdout."""
    url = os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3"
    with throwaway_database(url, BENCH_DATABASE) as bench_url:
        set_up_django(bench_url)
        result = measure(args.rounds, args.cycles, args.max_seconds, print)
    print("RESULT " + json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--cycles", type=int, default=30, help="cycles per round (default 30)")
    parser.add_argument(
        "--max-seconds", type=float, default=180, help="stop adding rounds after (default 180)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    url = os.environ.get("DATABASE_URL", "")
    databases = {"SQLite": "sqlite:///db.sqlite3"}
    if url.startswith("postgres"):
        databases["PostgreSQL"] = url
    print("gymbooking use cases vs raw SQL: book -> cancel cycles")
    if "PostgreSQL" not in databases:
        print("(PostgreSQL skipped: set DATABASE_URL=postgres://... to measure it too)")
    results = []
    for name, database_url in databases.items():
        command = [sys.executable, __file__, "--child", *_passed_on(args)]
        done = subprocess.run(
            command,
            env={**os.environ, "DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            timeout=args.max_seconds * 3 + 120,
        )
        lines = done.stdout.splitlines()
        for line in lines:
            if not line.startswith("RESULT "):
                print(line)
        result = [line for line in lines if line.startswith("RESULT ")]
        if done.returncode != 0 or not result:
            print(f"benchmark failed on {name}:\n{done.stderr}", file=sys.stderr)
            return 1
        results.append(json.loads(result[0].removeprefix("RESULT ")))
    for result in results:
        report(result, print)
    print("\nRatios (median of the per-round ratios, each round measured side by side):")
    for result in results:
        for what, ratio, target in ratios(result):
            print(f"  {result['database']:<18} {what:<42} {ratio:<28} {target}")
    return 0


def _passed_on(args: argparse.Namespace) -> list[str]:
    return [
        f"--rounds={args.rounds}",
        f"--cycles={args.cycles}",
        f"--max-seconds={args.max_seconds}",
    ]


if __name__ == "__main__":
    exit_after(main)
