"""Does a backlog of e-mail slow promotions down? (A script, not a test; PostgreSQL only.)

    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/promotion_backlog.py

Promotion latency: from a committed cancellation to the moment the waiting member's booking
exists, promoted by a fast-queue worker (`manage.py process_events --queue fast`, a process
of its own, polling every 10 ms when idle), with the site in worker mode. Measured with no
e-mail waiting and with 10,000 e-mail deliveries due in the mail queue (no mail worker runs,
as when the mail server is down), in interleaved rounds (the order alternates), so drift on
the machine hits both alike. Prints the median and range of each, per round and overall, and
the ratio backlog / no backlog measured in the same run; the worker's query plan for its next
delivery with the backlog in place.

It never touches the database DATABASE_URL names: it creates (and at the end drops) the
database `gymbooking_bench_backlog` on the same server. Every trip is checked (the waiting
member promoted once, the backlog untouched); it exits non-zero if anything is wrong.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

BENCH_DATABASE = "gymbooking_bench_backlog"
WORKER_POLL = "0.01"
PROMOTED_WITHIN = 30.0  # seconds: a trip slower than this is a failure, not a figure


def environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "gymbooking.settings",
        "EMAIL_URL": "memorymail://",
        "DEBUG": "False",
        "SECRET_KEY": f"benchmark-only-{uuid.uuid4()}",
        "GYM_EVENT_DELIVERY": "worker",
        "LOG_LEVEL": "WARNING",
    }


def set_up_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- The gym ---------------------------------------------------------------------------------


def fresh_class(n: int) -> tuple[str, str, str]:
    """A class tomorrow with one spot, booked by one member, another waiting with a credit:
    (booking id, class id, waiting member id)."""
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
    month = {"granted_at": now, "expires_at": now + timedelta(days=30), "reason": "benchmark"}
    booked = Member.objects.create(name=f"Booked {n}", email=f"booked-{tag}@example.com")
    spent = CreditGrant.objects.create(member=booked, amount=1, remaining=0, **month)
    booking = Booking.objects.create(
        member=booked, fitness_class=spin, created_at=now, credit_grant=spent
    )
    waiting = Member.objects.create(name=f"Waiting {n}", email=f"waiting-{tag}@example.com")
    CreditGrant.objects.create(member=waiting, amount=1, remaining=1, **month)
    WaitlistEntry.objects.create(member=waiting, fitness_class=spin, created_at=now)
    return str(booking.pk), str(spin.pk), str(waiting.pk)


class Backlog:
    """`size` e-mail deliveries in the mail queue, switched between due and delivered (out of
    the due index) by one UPDATE, then VACUUM ANALYZE, as autovacuum keeps a live table."""

    def __init__(self, size: int) -> None:
        from django.db import transaction
        from django.utils import timezone

        from events.models import Delivery, StoredEvent

        now = timezone.now() - timedelta(minutes=5)
        events = [
            StoredEvent(
                id=uuid.uuid4(),
                type="BookingConfirmed",
                schema_version=1,
                payload={"booking_id": str(uuid.uuid4()), "member_id": str(uuid.uuid4())},
                occurred_at=now,
                actor_kind="system",
                actor_label="backlog",
            )
            for _ in range(size)
        ]
        with transaction.atomic():
            StoredEvent.objects.bulk_create(events, batch_size=2000)
            rows = Delivery.objects.bulk_create(
                [
                    Delivery(
                        event_id=event.id,
                        handler="NotificationHandler.email",
                        queue=Delivery.Queue.MAIL,
                        status=Delivery.Status.DELIVERED,
                        next_attempt_at=now,
                    )
                    for event in events
                ],
                batch_size=2000,
            )
        self.ids = (min(r.pk for r in rows), max(r.pk for r in rows))
        self.size = size

    def rows(self):
        from events.models import Delivery

        return Delivery.objects.filter(pk__range=self.ids)

    def set(self, *, due: bool) -> None:
        from django.db import connection

        status = "pending" if due else "delivered"
        self.rows().update(status=status)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE events_delivery")
        self.check(due=due)

    def check(self, *, due: bool) -> None:
        pending = self.rows().filter(status="pending").count()
        if pending != (self.size if due else 0):
            raise BenchmarkError(f"the backlog has {pending} pending deliveries, not as set.")


# --- One trip ----------------------------------------------------------------------------------


def promotion_latency(cancel, n: int) -> float:
    """Milliseconds from the cancellation's commit to the waiting member's booking."""
    from bookings.models import Booking
    from events.models import Delivery

    booking_id, class_id, waiting_id = fresh_class(n)
    promoted = Booking.objects.filter(
        member_id=waiting_id, fitness_class_id=class_id, status="confirmed"
    )
    cancel.execute(booking_id)
    committed = time.perf_counter()
    while not promoted.exists():
        if time.perf_counter() - committed > PROMOTED_WITHIN:
            raise BenchmarkError(f"trip {n}: nobody promoted within {PROMOTED_WITHIN} s.")
        time.sleep(0.0005)
    latency = (time.perf_counter() - committed) * 1000
    if promoted.count() != 1:
        raise BenchmarkError(f"trip {n}: the waiting member was promoted more than once.")
    # The trip's own e-mail is sent (as if): the mail queue holds the backlog only.
    Delivery.objects.filter(queue="mail", event__class_id=class_id).update(status="delivered")
    return latency


def worker_plan() -> str:
    """How the fast worker finds its next delivery (EXPLAIN of its query)."""
    from django.db import connection
    from django.utils import timezone

    from events.models import Delivery

    query = Delivery.objects.filter(
        status__in=["pending", "failed"], queue="fast", next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")[:1]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(f"    {row[0]}" for row in cursor.fetchall())


# --- Output ------------------------------------------------------------------------------------


def summary(ms: list[float]) -> str:
    return f"{statistics.median(ms):7.2f} ms  ({min(ms):6.2f} to {max(ms):7.2f})"


def run(env: dict[str, str], *, rounds: int, trips: int, backlog_size: int) -> None:
    from django.db import connection

    from gymbooking.composition import django_services

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"promotion latency with an e-mail backlog, PostgreSQL {version} ({BENCH_DATABASE})")
    print(f"{rounds} interleaved rounds x {trips} trips per condition; fast worker polls every "
          f"{WORKER_POLL} s when idle\n")  # fmt: skip

    cancel = django_services().cancel_booking
    backlog = Backlog(backlog_size)
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "process_events", "--queue", "fast",
         "--poll-interval", WORKER_POLL],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    conditions = {"no e-mail waiting": False, f"{backlog_size:,} e-mails waiting": True}
    results: dict[str, list[float]] = {name: [] for name in conditions}
    per_round: list[dict[str, float]] = []
    trip = 0
    try:
        for _ in range(5):  # the worker's start-up and first connections
            promotion_latency(cancel, trip := trip + 1)
        for number in range(rounds):
            order = list(conditions.items())
            if number % 2:
                order.reverse()
            medians = {}
            for name, due in order:
                backlog.set(due=due)
                ms = [promotion_latency(cancel, trip := trip + 1) for _ in range(trips)]
                backlog.check(due=due)
                results[name].extend(ms)
                medians[name] = statistics.median(ms)
            per_round.append(medians)
            base, loaded = (medians[name] for name in conditions)
            print(f"  round {number + 1}: " + "   ".join(
                f"{name}: median {medians[name]:6.2f} ms" for name in conditions
            ) + f"   ratio {loaded / base:.2f}x")  # fmt: skip
        backlog.set(due=True)
        plan = worker_plan()
    finally:
        worker.terminate()
        _, log = worker.communicate(timeout=30)
    if worker.returncode != 0:
        raise BenchmarkError(f"the worker failed:\n{log[-2000:]}")

    base_name, loaded_name = conditions
    ratios = [r[loaded_name] / r[base_name] for r in per_round]
    overall = statistics.median(results[loaded_name]) / statistics.median(results[base_name])
    print()
    print(f"  {base_name:>22}: {summary(results[base_name])}   N={len(results[base_name])}")
    print(f"  {loaded_name:>22}: {summary(results[loaded_name])}   N={len(results[loaded_name])}")
    print(f"  {'ratio backlog / none':>22}: {overall:.2f}x overall; per round median "
          f"{statistics.median(ratios):.2f}x ({min(ratios):.2f} to {max(ratios):.2f})")  # fmt: skip
    print(f"\nthe fast worker's next-delivery query with the backlog due:\n{plan}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds (default 6)")
    parser.add_argument("--trips", type=int, default=20, help="trips per condition per round")
    parser.add_argument("--backlog", type=int, default=10_000, help="e-mails waiting")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    with throwaway_database(url, BENCH_DATABASE, postgres_only=True) as bench_url:
        env = environment(bench_url)
        set_up_django(env)
        run(env, rounds=args.rounds, trips=args.trips, backlog_size=args.backlog)


if __name__ == "__main__":
    exit_after(main)
