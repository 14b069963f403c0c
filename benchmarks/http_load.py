"""The site over HTTP under gunicorn, against a bare one-query view in the same server.

    .venv/bin/python benchmarks/http.py                  # SQLite (a temporary file)
    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/http.py

gunicorn serves the site as deployed (benchmarks/server.py says how), on a throwaway
database: 50 classes tomorrow, 10 booked each, and one signed-in member per connection. wrk
(Debian's `wrk`: a C load generator with one epoll loop per thread, so the client takes a
small share of the 2 cores the server needs; a Python client would take a large one) runs
each of these at 10 and at 50 connections, one member per connection:

- bare: `/bench/bare/`, a view doing one query, through the same middleware;
- schedule: the member's schedule of the day of the 50 classes (a page: the first 20);
- class page: the member's class page;
- book -> cancel: POST book, GET the class page (which shows the cancel form), POST cancel,
  GET the class page — a browser's cycle; counted per request and per cycle.

Every answer is checked (200s, the redirects to the class page, the cancel form after
booking): any error or wrong answer fails the benchmark. The runs are interleaved, repeated
(--rounds) and reported as medians with ranges; the ratios to the bare view's requests per
second of the same round come last.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime, time, timedelta  # noqa: E402

from benchmarks import server  # noqa: E402
from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

BENCH_DATABASE = "gymbooking_bench_http"
CLASSES = 50
BOOKED_PER_CLASS = 10
CONCURRENCY = (10, 50)
SCENARIOS = ("bare", "schedule", "class page", "book -> cancel")
TARGETS = {"schedule": 0.25, "book -> cancel": 0.20}
WRK_TIMEOUT_SECONDS = 10
# benchmarks/bench_urls.py
BARE_PATH = "/bench/bare/"


@dataclass(frozen=True)
class Site:
    server: server.Server
    members_file: Path
    schedule_path: str


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    cycles_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    wrong: int


# --- Data ---------------------------------------------------------------------------------------


def tomorrow_at(hour: int) -> datetime:
    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time(hour)))


def fill(connections: int, workdir: Path) -> Path:
    """The classes, their bookings and the signed-in members; the members file wrk reads."""
    from django.utils import timezone

    from bookings.models import Booking
    from members.models import CreditGrant

    first = tomorrow_at(6)
    # 10-minute classes 15 minutes apart: nobody's bookings overlap.
    classes = [
        server.fitness_class(f"Class {n}", first + timedelta(minutes=15 * n), capacity=20)
        for n in range(CLASSES)
    ]
    for fitness_class in classes:
        fitness_class.ends_at = fitness_class.starts_at + timedelta(minutes=10)
        fitness_class.save(update_fields=["ends_at"])
    # Others hold 10 spots in each class: the first 10 of the 50 fillers' classes from n on.
    fillers = server.members_with_credits(CLASSES, BOOKED_PER_CLASS, "filler")
    now = timezone.now()
    CreditGrant.objects.filter(member__in=fillers).update(remaining=0)
    grants = {g.member_id: g for g in CreditGrant.objects.filter(member__in=fillers)}
    Booking.objects.bulk_create(
        Booking(
            member=member,
            fitness_class=classes[(n + k) % CLASSES],
            created_at=now,
            credit_grant=grants[member.pk],
        )
        for n, member in enumerate(fillers)
        for k in range(BOOKED_PER_CLASS)
    )
    # Enough credit for every cycle a run can make (each cancel refunds a new grant anyway).
    members = server.members_with_credits(connections, 1000, "member")
    members_file = workdir / "members.tsv"
    members_file.write_text(
        "".join(
            f"{who.cookie}\t{who.token}\t{classes[n % CLASSES].pk}\n"
            for n, who in enumerate(server.sign_in(members))
        )
    )
    return members_file


def default_schedule_path() -> str:
    """The schedule page that shows tomorrow, the day of the 50 classes (its first page)."""
    from django.utils import timezone

    return f"/?day={(timezone.localdate() + timedelta(days=1)).isoformat()}"


def check_schedule_shows_the_classes(site: Site) -> str:
    """How many of the classes the schedule page shows (a figure is only comparable with the
    same number of rows): a full page of them."""
    import re
    import urllib.request

    from classes.views import CLASSES_PER_PAGE

    cookie = site.members_file.read_text().splitlines()[0].split("\t")[0]
    request = urllib.request.Request(
        site.server.origin + site.schedule_path,
        headers={"Cookie": cookie, "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        page = answer.read().decode()
    shown = len(set(re.findall(r'href="/classes/([0-9a-f-]{36})/"', page)))
    note = f"the schedule ({site.schedule_path}) shows {shown} classes, {len(page) // 1024} KiB"
    expected = min(CLASSES, CLASSES_PER_PAGE)
    return note if shown >= expected else note + f" — NOT the {expected} expected"


# --- Load ---------------------------------------------------------------------------------------


def wrk(site: Site, scenario: str, connections: int, seconds: float) -> Run:
    scripts = HERE / "wrk"
    if scenario == "book -> cancel":
        script, argument = scripts / "cycle.lua", site.server.https_origin
    else:
        script = scripts / "get.lua"
        argument = {
            "bare": BARE_PATH,
            "schedule": site.schedule_path,
            "class page": "/classes/{class}/",
        }[scenario]
    command = [
        "wrk",
        f"-t{connections}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        f"--timeout={WRK_TIMEOUT_SECONDS}s",
        "-s",
        str(script),
        site.server.origin,
        "--",
        str(site.members_file),
        argument,
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "WRK_SCRIPTS": str(scripts)},
        capture_output=True,
        text=True,
        timeout=seconds + WRK_TIMEOUT_SECONDS + 30,
    )
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchmarkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = json.loads(line.removeprefix("WRK_RESULT "))
    elapsed = result["duration_us"] / 1e6
    return Run(
        requests_per_second=result["requests"] / elapsed,
        cycles_per_second=result["cycles"] / elapsed,
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        errors=result["errors"],
        wrong=result["wrong"],
    )


def measure(site: Site, rounds: int, seconds: float, say) -> dict[tuple[str, int], list[Run]]:
    """Every scenario at every concurrency, `rounds` times, interleaved: within a round each
    scenario runs beside the bare view of the same round, the order turning every round."""
    for scenario in SCENARIOS:  # warm-up: every worker has imported and connected
        wrk(site, scenario, CONCURRENCY[0], 2)
    runs: dict[tuple[str, int], list[Run]] = {}
    for n in range(rounds):
        order = SCENARIOS[n % len(SCENARIOS) :] + SCENARIOS[: n % len(SCENARIOS)]
        for connections in CONCURRENCY:
            for scenario in order:
                run = wrk(site, scenario, connections, seconds)
                runs.setdefault((scenario, connections), []).append(run)
        say(f"  round {n + 1} of {rounds} done ({server.machine()})")
    return runs


# --- Report -------------------------------------------------------------------------------------


def ratios(runs, scenario: str, connections: int) -> server.Spread:
    bare = runs[("bare", connections)]
    return server.Spread(
        tuple(
            run.requests_per_second / base.requests_per_second
            for run, base in zip(runs[(scenario, connections)], bare, strict=True)
        )
    )


def report(runs, say) -> list[server.Spread]:
    spreads = []
    for connections in CONCURRENCY:
        rows = []
        for scenario in SCENARIOS:
            measured = runs[(scenario, connections)]
            rate = server.Spread(tuple(r.requests_per_second for r in measured))
            spreads.append(rate)

            def median_of(field: str, measured=measured) -> str:
                return f"{server.Spread(tuple(getattr(r, field) for r in measured)).median:.0f}"

            cycles = (
                server.Spread(tuple(r.cycles_per_second for r in measured)).show(digits=1)
                if scenario == "book -> cancel"
                else ""
            )
            rows.append(
                (
                    scenario,
                    rate.show(digits=0),
                    cycles,
                    median_of("p50_ms"),
                    median_of("p95_ms"),
                    median_of("p99_ms"),
                    str(sum(r.errors + r.wrong for r in measured)),
                )
            )
        say(
            server.table(
                f"{connections} connections (median of {len(measured)} runs, range in brackets)",
                ("", "req/s", "cycles/s", "p50 ms", "p95 ms", "p99 ms", "errors"),
                rows,
            )
        )
        say("")
    return spreads


def print_ratios(runs, say) -> None:
    rows = []
    for scenario in SCENARIOS[1:]:
        for connections in CONCURRENCY:
            spread = ratios(runs, scenario, connections)
            target = TARGETS.get(scenario)
            verdict = ""
            if target is not None:
                verdict = f">= {target:.0%}: " + ("met" if spread.median >= target else "MISSED")
            rows.append(
                (
                    f"{scenario}, {connections} connections",
                    f"{spread.median:.1%}",
                    f"{min(spread.values):.1%}-{max(spread.values):.1%}",
                    verdict,
                )
            )
    say(
        server.table(
            "ratios: req/s as a share of the bare view's in the same round",
            ("", "median", "range", "target"),
            rows,
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--schedule-path", help="the schedule URL (default: tomorrow's)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("benchmark failed: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    url = os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3"
    with (
        tempfile.TemporaryDirectory(prefix="gymbooking-http-") as directory,
        throwaway_database(url, BENCH_DATABASE) as bench_url,
    ):
        workdir = Path(directory)
        environment = server.production_environment(bench_url, workdir, server.free_port())
        server.prepare_django(environment)
        members_file = fill(max(CONCURRENCY), workdir)
        with server.gunicorn(environment, workdir) as running:
            site = Site(running, members_file, args.schedule_path or default_schedule_path())
            run(site, args, bench_url)


def run(site: Site, args, bench_url: str) -> None:
    from django.db import connection

    say = print
    say(f"gymbooking over HTTP: {site.server.describe()}")
    say(f"database: {connection.vendor} (throwaway), machine: {server.machine()}")
    say(f"load: wrk, one member per connection, {args.seconds:g} s runs, {args.rounds} rounds")
    say(check_schedule_shows_the_classes(site))
    runs = measure(site, args.rounds, args.seconds, say)
    say("")
    spreads = report(runs, say)
    errors = sum(r.errors + r.wrong for measured in runs.values() for r in measured)
    logged = site.server.error_lines()
    say(server.noise_verdict(spreads))
    say("")
    print_ratios(runs, say)
    if errors or logged:
        raise BenchmarkError(f"{errors} failed or wrong answers, {logged} error log lines.")


if __name__ == "__main__":
    exit_after(main)
