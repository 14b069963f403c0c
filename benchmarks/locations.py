"""The member's schedule in a chain of 50 gyms against a single gym, measured side by side.

    .venv/bin/python benchmarks/locations.py                  # SQLite (temporary files)
    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/locations.py

Two throwaway databases, each served by a process of its own (as in benchmarks/pages.py):

- one: 1 location with 20 classes a day;
- fifty: 50 locations on a dozen clocks, each with 20 classes a day.

The member has a home location on London's clock in both, and opens her schedule of a day
there without naming a location: the page lists the same 20 classes; what grows is the chain
(the location menu, and the rows of the statement that picks the location and its day). Both
are sent the same request in turn, round after round (the order swapped every round), so
drift on a shared machine hits both alike. It prints the median and range of the server time
(Django's test client, in-process) and the page's bytes and statements at both sizes, and last
the ratio fifty / one (target: at most 1.5x) with the spread of the per-round ratios.
"""

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pages import Server, reply, serving, set_up_django  # noqa: E402
from benchmarks.throwaway import BenchmarkError, exit_after  # noqa: E402

SIZES = {"one": 1, "fifty": 50}  # locations
CLASSES_A_DAY = 20
ROWS = CLASSES_A_DAY  # a page of the schedule holds 20 (classes.views.CLASSES_PER_PAGE)
DAYS = 7
HOME_ZONE = "Europe/London"
ZONES = (
    HOME_ZONE,
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/Madrid",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "Africa/Johannesburg",
)
TARGET = 1.5
PAGE = "schedule (a day at home)"


def fill(locations: int) -> str:
    """The chain: `locations` gyms with `CLASSES_A_DAY` classes each day of a week from today
    on their own clocks, and the member at home at the first; returns the page's address."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import timezone

    from classes.models import FitnessClass
    from locations.models import Location
    from members.models import CreditGrant, Member

    now = timezone.now()
    gyms = Location.objects.bulk_create(
        Location(name=f"Gym {n:02}", time_zone=ZONES[n % len(ZONES)]) for n in range(locations)
    )
    classes = []
    for gym in gyms:
        zone = ZoneInfo(gym.time_zone)
        today = timezone.localdate(now, zone)
        for day in range(DAYS):
            for n in range(CLASSES_A_DAY):
                starts_at = datetime.combine(today + timedelta(days=day), datetime.min.time())
                starts_at = starts_at.replace(tzinfo=zone) + timedelta(hours=6, minutes=45 * n)
                classes.append(
                    FitnessClass(
                        name=f"Class {n % 12}",
                        instructor=f"Instructor {n % 8}",
                        location=gym,
                        capacity=20,
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(minutes=40),
                    )
                )
    FitnessClass.objects.bulk_create(classes, batch_size=5_000)
    user = get_user_model().objects.create_user("bench@example.com", "bench@example.com")
    member = Member.objects.create(
        name="Bench Member", email="bench@example.com", user=user, home_location=gyms[0]
    )
    CreditGrant.objects.create(
        member=member,
        amount=10,
        remaining=10,
        granted_at=now,
        expires_at=now + timedelta(days=60),
        reason="benchmark",
    )
    tomorrow = timezone.localdate(now, ZoneInfo(HOME_ZONE)) + timedelta(days=1)
    return f"{reverse('classes:schedule')}?day={tomorrow.isoformat()}"


def serve(size: str) -> None:
    """Fill `size`'s chain, then answer the parent's requests (JSON lines on stdin)."""
    import json

    set_up_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    path = fill(SIZES[size])
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench@example.com"))
    reply({"pages": {PAGE: path}})

    def get():
        response = client.get(path)
        if response.status_code != 200:
            raise BenchmarkError(f"{path}: {response.status_code}")
        page = response.content.decode()
        # Her home gym chosen, its day's classes listed.
        if '<option value="Gym 00" selected>' not in page or page.count('"class-row ') != ROWS:
            raise BenchmarkError(f"{path}: not the home location's {ROWS} classes")
        return response

    for line in sys.stdin:
        command = json.loads(line)
        if command.get("count"):
            with CaptureQueriesContext(connection) as queries:
                response = get()
            reply({"statements": len(queries), "bytes": len(response.content)})
            continue
        times = []
        for _ in range(command["requests"]):
            started = time.perf_counter()
            get()
            times.append(time.perf_counter() - started)
        reply({"times": times})


def measure(servers: dict[str, Server], args) -> int:
    counts = {}
    for size, server in servers.items():
        server.ask(requests=3)  # warm up: templates compiled, connection open
        counts[size] = server.ask(count=True)
    times = {size: [] for size in servers}
    round_ratios = []
    deadline = time.monotonic() + args.max_seconds
    rounds = 0
    for rounds in range(1, args.rounds + 1):
        order = list(servers) if rounds % 2 else list(reversed(servers))
        medians = {}
        for size in order:
            got = servers[size].ask(requests=args.requests)["times"]
            times[size] += got
            medians[size] = statistics.median(got)
        round_ratios.append(medians["fifty"] / medians["one"])
        if time.monotonic() > deadline:
            print(f"(stopped after {rounds} rounds: --max-seconds {args.max_seconds:g})")
            break

    print()
    print(f"{rounds} rounds of {args.requests} requests per size, alternating sizes")
    print(f"{'locations':<10} {'median (range) ms':>24} {'statements':>11} {'KiB':>7}")
    for size in servers:
        got = [t * 1000 for t in times[size]]
        cell = f"{statistics.median(got):7.1f} ({min(got):5.1f}-{max(got):6.1f})"
        count = counts[size]
        kib = count["bytes"] / 1024
        print(f"{SIZES[size]:<10} {cell:>24} {count['statements']:>11} {kib:>7.1f}")
    ratio = statistics.median(times["fifty"]) / statistics.median(times["one"])
    size_ratio = counts["fifty"]["bytes"] / counts["one"]["bytes"]
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print()
    print(f"ratio, 50 locations / 1 (target ≤ {TARGET}x); the range is over the rounds' ratios")
    low, high = min(round_ratios), max(round_ratios)
    print(f"  server time {ratio:5.2f}x  (rounds {low:.2f}-{high:.2f}x)  {verdict}")
    print(f"  page bytes  {size_ratio:5.2f}x")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=20, help="per size and round")
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--serve", choices=SIZES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

    with serving("gymbooking_bench_locations", SIZES, script=__file__) as servers:
        return measure(servers, args)


if __name__ == "__main__":
    exit_after(main)
