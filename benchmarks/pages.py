"""Server time of the pages at small and at large data, measured side by side in one run.

    .venv/bin/python benchmarks/pages.py                  # SQLite (temporary files)
    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/pages.py

Two throwaway databases are filled, each served by a process of its own:

- small: 5 classes a week and 10,000 bookings in all;
- large: 500 classes a week (a busy gym: about 70 a day) and 1,000,000 bookings.

The member whose pages are measured has the same 120 past bookings in both (more than any
page lists, so each page shows as many rows at both sizes: what grows is the gym). The
admin's member page is of another member, with 10 past bookings in the small set and 1,010
in the large one (its history inlines are bounded: the cost must not follow her history).

The parent sends both the same page requests in turn, round after round (the order swapped
every round), so drift on a shared machine hits both alike. Each figure is the time of
Django's test client handling the request in-process (URL routing, middleware, session and
authentication, the view, its queries and the template; no network). It prints, per page,
the median at both sizes with the range over all requests, the statements each runs at both
sizes, and last the ratios large / small (target: at most 1.5x), with the spread of the
per-round ratios to say how noisy the run was. Bounded: `--rounds` rounds of `--requests`
requests per page and size, stopped early after `--max-seconds`.

`--profile PATH` instead prints where the large process spends the time of one page.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

SIZES = {
    # name: (classes a week, bookings in all, the past bookings of the admin's member page)
    "small": (5, 10_000, 10),
    "large": (500, 1_000_000, 1_010),
}
MEMBER_HISTORY = 120  # past bookings of the member whose own pages are measured
MEMBERS = 2_000
HISTORY_CLASSES = 1_200  # past classes holding the bulk of the bookings
TARGET = 1.5
# Deterministic ids, so SQL can compute them: UUID(int=PREFIX + n).
MEMBER_IDS, CLASS_IDS, BOOKING_IDS = 1 << 60, 2 << 60, 3 << 60


# --- A process serving one data set ------------------------------------------------------------


def environment(database_url: str, static_root: str) -> dict[str, str]:
    """Production settings (DEBUG off: no query log; hashed static files, collected into
    `static_root`), on the throwaway database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "gymbooking.settings",
        "DEBUG": "False",
        "SECRET_KEY": f"benchmark-only-{uuid.uuid4()}",
        "SECURE_SSL_REDIRECT": "False",
        "EMAIL_URL": "memorymail://",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",  # a log line per request would be timed too, on a pipe
        "STATIC_ROOT": static_root,
    }


def set_up_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def ids(prefix: int, count: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=prefix + n) for n in range(count)]


def fill(classes_per_week: int, bookings: int, long_history: int) -> dict[str, str]:
    """The data set; returns the addresses of the pages to measure."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import timezone

    from bookings.models import Booking, WaitlistEntry
    from classes.models import FitnessClass
    from locations.models import Location
    from members.models import CreditGrant, Member
    from notifications.models import Notification

    now = timezone.now()
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    Member.objects.bulk_create(
        Member(id=pk, name=f"Member {n}", email=f"m{n}@example.com")
        for n, pk in enumerate(ids(MEMBER_IDS, MEMBERS))
    )
    others = ids(MEMBER_IDS, MEMBERS)
    studios = [Location.objects.named(f"Studio {n}") for n in range(5)]
    past = [
        FitnessClass(
            id=pk,
            name=f"History {n % 9}",
            location=studios[n % len(studios)],
            capacity=MEMBERS,
            starts_at=now - timedelta(days=1, hours=6 * n),
            ends_at=now - timedelta(days=1, hours=6 * n - 1),
        )
        for n, pk in enumerate(ids(CLASS_IDS, HISTORY_CLASSES))
    ]
    FitnessClass.objects.bulk_create(past)
    # Last week to three weeks ahead: `classes_per_week` a week, 06:00 to 21:00 every day.
    schedule = []
    for week in range(-1, 4):
        for n in range(classes_per_week):
            day = monday + timedelta(days=7 * week + n % 7)
            starts_at = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            starts_at += timedelta(hours=6, minutes=(n // 7 * 13) % (15 * 60))
            schedule.append(
                FitnessClass(
                    name=f"Class {n % 12}",
                    instructor=f"Instructor {n % 8}",
                    location=studios[n % len(studios)],
                    capacity=20,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=1),
                )
            )
    FitnessClass.objects.bulk_create(schedule)
    booked = [
        Booking(member_id=others[(i * 7 + k) % MEMBERS], fitness_class=c, created_at=now)
        for i, c in enumerate(schedule)
        for k in range(12)
    ]
    Booking.objects.bulk_create(booked, batch_size=5_000)
    bulk_bookings(max(bookings - len(booked) - MEMBER_HISTORY - long_history, 0), now)

    user = get_user_model().objects.create_user("bench@example.com", "bench@example.com")
    member = Member.objects.create(name="Bench Member", email="bench@example.com", user=user)
    get_user_model().objects.create_superuser("desk", "desk@example.com", "x" * 20)
    CreditGrant.objects.create(
        member=member,
        amount=50,
        remaining=40,
        granted_at=now,
        expires_at=now + timedelta(days=60),
        reason="benchmark",
    )
    regular = Member.objects.create(name="Regular Member", email="regular@example.com")
    for who, history in ((member, MEMBER_HISTORY), (regular, long_history)):
        Booking.objects.bulk_create(
            Booking(member=who, fitness_class=c, status="attended", created_at=c.starts_at)
            for c in past[:history]
        )
    upcoming = [c for c in schedule if c.starts_at > now + timedelta(hours=3)]
    for c in upcoming[:4]:
        Booking.objects.create(member=member, fitness_class=c, created_at=now)
    for c in upcoming[4:6]:
        WaitlistEntry.objects.create(member=member, fitness_class=c, created_at=now)
    Notification.objects.bulk_create(
        Notification(member=member, kind="booking_confirmed", title="Booked", body="Booked")
        for _ in range(30)
    )
    tomorrow = today + timedelta(days=1)
    return {
        "schedule (a day)": f"{reverse('classes:schedule')}?day={tomorrow.isoformat()}",
        "class page": reverse("classes:detail", args=[upcoming[0].pk]),
        "my bookings": reverse("bookings:mine"),
        "credits": reverse("members:credits"),
        "notifications": reverse("notifications:list"),
        "check-in today": "desk " + reverse("bookings:checkin_today"),
        "admin: member page": "desk " + reverse("admin:members_member_change", args=[regular.pk]),
        "admin: bookings": "desk " + reverse("admin:bookings_booking_changelist"),
        "admin: members": "desk " + reverse("admin:members_member_changelist"),
    }


def bulk_bookings(count: int, now: datetime) -> None:
    """`count` bookings of the history's classes, made by the database itself."""
    from django.db import connection

    from bookings.models import Booking

    table = Booking._meta.db_table
    # (`%%` is a literal `%` in a query with parameters.)
    if connection.vendor == "postgresql":
        uuid_of = "lpad(to_hex({}::bigint + {}), 32, '0')::uuid"
        numbers = "SELECT n FROM generate_series(0, %s - 1) AS n"
    else:
        uuid_of = "printf('%%032x', {} + {})"
        numbers = (
            "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s - 1) "
            "SELECT n FROM s"
        )
    member = uuid_of.format(MEMBER_IDS, f"(n %% {MEMBERS})")
    fitness_class = uuid_of.format(CLASS_IDS, f"((n / {MEMBERS}) %% {HISTORY_CLASSES})")
    booking = uuid_of.format(BOOKING_IDS, "n")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (id, member_id, fitness_class_id, status, created_at,
                                 cancellation_reason)
            SELECT {booking}, {member}, {fitness_class},
                   CASE n %% 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'no_show'
                        ELSE 'attended' END,
                   %s, ''
            FROM ({numbers}) AS numbers
            """,
            [now, count],
        )
        cursor.execute("ANALYZE")


def sign_in_with_second_factor(client, user) -> None:
    """Staff sign in as in production: with their authenticator app's code given (the
    session verified), so staff pages cost what they cost there."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def serve(size: str) -> None:
    """Fill `size`'s data set, then answer the parent's requests (JSON lines on stdin)."""
    set_up_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    pages = fill(*SIZES[size])
    clients = {"member": Client(), "desk": Client()}
    clients["member"].force_login(get_user_model().objects.get(username="bench@example.com"))
    sign_in_with_second_factor(clients["desk"], get_user_model().objects.get(username="desk"))
    reply({"pages": pages, "fill_seconds": time.perf_counter() - started})

    def get(page: str):
        who, _, path = page.rpartition(" ")
        response = clients[who or "member"].get(path)
        if response.status_code != 200:
            raise BenchmarkError(f"{path}: {response.status_code}")
        return response

    for line in sys.stdin:
        command = json.loads(line)
        page = pages[command["page"]]
        if command.get("profile"):
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(command["requests"]):
                get(page)
            profile.disable()
            out = io.StringIO()
            for order in ("cumulative", "tottime"):
                pstats.Stats(profile, stream=out).sort_stats(order).print_stats(40)
            reply({"profile": out.getvalue()})
            continue
        if command.get("count"):
            with CaptureQueriesContext(connection) as queries:
                response = get(page)
            reply({"statements": len(queries), "bytes": len(response.content)})
            continue
        times = []
        for _ in range(command["requests"]):
            started = time.perf_counter()
            get(page)
            times.append(time.perf_counter() - started)
        reply({"times": times})


def reply(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# --- The parent: both data sets side by side ----------------------------------------------------


class Server:
    """A child process serving one data set: `script --serve size` (this one's by default)."""

    def __init__(self, size: str, env: dict[str, str], log, script: str = __file__) -> None:
        self.size = size
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, script, "--serve", size],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=ROOT,
        )
        self.pages = self.read()["pages"]

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            raise BenchmarkError(f"the {self.size} server stopped:\n{self.log.read()[-3000:]}")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@contextmanager
def serving(name: str, sizes, script: str = __file__):
    """A bench server per size, each on a throwaway database of its own (`name`_size), the
    static files collected once; the servers are stopped on the way out."""
    url = os.environ.get("DATABASE_URL") or "sqlite://"
    with ExitStack() as stack:
        static_root = stack.enter_context(
            tempfile.TemporaryDirectory(prefix="gymbooking-bench-static-")
        )
        envs = {
            size: environment(
                stack.enter_context(throwaway_database(url, f"{name}_{size}")), static_root
            )
            for size in sizes
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=next(iter(envs.values())),
            cwd=ROOT,
            check=True,
        )
        servers = {}
        try:
            for size, env in envs.items():
                log = stack.enter_context(tempfile.TemporaryFile(mode="w+"))
                servers[size] = Server(size, env, log, script=script)
            yield servers
        finally:
            for server in servers.values():
                server.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=10, help="per page, size and round")
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--profile", metavar="PAGE", help="profile this page (large) instead")
    parser.add_argument("--serve", choices=SIZES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

    print("filling the two data sets (a million bookings take a minute or two)…", flush=True)
    with serving("gymbooking_bench_pages", SIZES) as servers:
        if args.profile:
            print(servers["large"].ask(page=args.profile, requests=50, profile=True)["profile"])
            return 0
        return measure(servers, args)


def measure(servers: dict[str, Server], args) -> int:
    pages = list(servers["small"].pages)
    # Warm up (templates compiled, connections open) and count the statements.
    counts = {size: {} for size in servers}
    for page in pages:
        for size, server in servers.items():
            server.ask(page=page, requests=3)
            counts[size][page] = server.ask(page=page, count=True)
    times = {size: {page: [] for page in pages} for size in servers}
    round_ratios = {page: [] for page in pages}
    deadline = time.monotonic() + args.max_seconds
    rounds = 0
    for rounds in range(1, args.rounds + 1):
        order = list(servers) if rounds % 2 else list(reversed(servers))
        for page in pages:
            medians = {}
            for size in order:
                got = servers[size].ask(page=page, requests=args.requests)["times"]
                times[size][page] += got
                medians[size] = statistics.median(got)
            round_ratios[page].append(medians["large"] / medians["small"])
        if time.monotonic() > deadline:
            print(f"(stopped after {rounds} rounds: --max-seconds {args.max_seconds:g})")
            break

    print()
    print(f"{rounds} rounds of {args.requests} requests per page and size, alternating sizes")
    print(
        f"{'page':<20} {'small: median (range) ms':>28} {'large: median (range) ms':>28}"
        f" {'statements':>11} {'KiB':>11}"
    )
    for page in pages:
        cells = []
        for size in servers:
            got = [t * 1000 for t in times[size][page]]
            cells.append(f"{statistics.median(got):7.1f} ({min(got):5.1f}-{max(got):6.1f})")
        small, large = counts["small"][page], counts["large"][page]
        statements = f"{small['statements']} / {large['statements']}"
        kib = f"{small['bytes'] / 1024:.0f} / {large['bytes'] / 1024:.0f}"
        print(f"{page:<20} {cells[0]:>28} {cells[1]:>28} {statements:>11} {kib:>11}")

    print()
    print(f"ratios, large / small (target ≤ {TARGET}x); the range is over the rounds' ratios")
    missed = []
    spreads = []
    for page in pages:
        ratio = statistics.median(times["large"][page]) / statistics.median(times["small"][page])
        low, high = min(round_ratios[page]), max(round_ratios[page])
        spreads.append(high / low)
        verdict = "ok" if ratio <= TARGET else "MISSED"
        if ratio > TARGET:
            missed.append(page)
        print(f"  {page:<20} {ratio:5.2f}x  (rounds {low:.2f}-{high:.2f}x)  {verdict}")
    noise = statistics.median(spreads)
    print(
        f"noise: the rounds' ratios of a page differ by {100 * (noise - 1):.0f} % (median "
        f"over pages){'; a busy machine — rerun for firmer figures' if noise > 1.3 else ''}"
    )
    met = f"target met by {len(pages) - len(missed)} of {len(pages)} pages"
    print(met + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    exit_after(main)
