"""The 06:00 rush: N members press Book on one 20-spot class at the same moment.

    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/rush.py [--members 500]

PostgreSQL only (the class lock is a row lock). gunicorn serves the site as deployed
(benchmarks/server.py says how) on a throwaway database. Each round, N signed-in members wait
behind one barrier and then all POST Book on a fresh class with 20 spots (each on a new
connection, as browsers opening the page at 06:00 would); and, interleaved with it, the same
N requests to the bare one-query view (`/bench/bare/`) are fired the same way, so "how long
the server takes for N requests" is measured in the same run on the same machine.

Checked every round: exactly 20 bookings were made, and every member got a clear answer —
the redirect to the class page, whose message says either "You're booked" (exactly 20 of
them) or that the class is full with the waitlist offered. Printed: the time until the last
answer, p50/p95/max latency of both, and last the ratio rush / bare (target: at most 3x).
The client is asyncio in this process: each member's work is one connect, one write and one
read, small beside the server's.
"""

import argparse
import asyncio
import html
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402
from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

BENCH_DATABASE = "gymbooking_bench_rush"
SPOTS = 20
TARGET_RATIO = 3.0
REQUEST_TIMEOUT_SECONDS = 120
CHECK_CONCURRENCY = 20
BARE_PATH = "/bench/bare/"  # benchmarks/bench_urls.py
MESSAGE = re.compile(r'<li class="message[^"]*">(.*?)</li>', re.S)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    cookies: str  # the Set-Cookie name=value pairs, as a Cookie header adds them
    seconds: float
    finished_at: float


@dataclass(frozen=True)
class Burst:
    answers: list[Answer]
    started_at: float

    @property
    def wall(self) -> float:
        """From the barrier's release to the last answer."""
        return max(a.finished_at for a in self.answers) - self.started_at

    def latency(self, p: float) -> float:
        return server.percentile([a.seconds for a in self.answers], p)


# --- The client ---------------------------------------------------------------------------------


def raw_request(method: str, path: str, port: int, cookie: str, body: str = "") -> bytes:
    headers = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "X-Forwarded-Proto: https",  # as the proxy in front of gunicorn says
        f"Cookie: {cookie}",
        "Connection: close",
    ]
    if method == "POST":
        headers += [
            f"Origin: https://127.0.0.1:{port}",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


async def send(port: int, request: bytes) -> tuple[int, str, str, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    location, cookies = "", []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "location":
            location = value.strip()
        elif name.lower() == "set-cookie":
            cookies.append(value.strip().split(";", 1)[0])
    return status, location, "; ".join(cookies), body


async def burst(port: int, requests: list[bytes]) -> Burst:
    """Every request on its own connection, all released at once."""
    gate = asyncio.Event()

    async def one(request: bytes) -> Answer:
        await gate.wait()
        started = time.perf_counter()
        status, location, cookies, _ = await asyncio.wait_for(
            send(port, request), REQUEST_TIMEOUT_SECONDS
        )
        finished = time.perf_counter()
        return Answer(status, location, cookies, finished - started, finished)

    tasks = [asyncio.create_task(one(request)) for request in requests]
    await asyncio.sleep(0.2)  # every task is waiting at the gate
    started_at = time.perf_counter()
    gate.set()
    return Burst(list(await asyncio.gather(*tasks)), started_at)


async def messages_seen(port: int, members, answers: list[Answer], class_page: str) -> list[str]:
    """What each member reads on the page the redirect led her to (after the rush, untimed)."""
    limit = asyncio.Semaphore(CHECK_CONCURRENCY)

    async def read(member: server.SignedIn, answer: Answer) -> str:
        async with limit:
            cookie = "; ".join(filter(None, [member.cookie, answer.cookies]))
            status, _, _, body = await send(port, raw_request("GET", class_page, port, cookie))
        found = MESSAGE.findall(body.decode())
        return html.unescape(found[0]).strip() if status == 200 and found else f"({status})"

    return list(await asyncio.gather(*(read(m, a) for m, a in zip(members, answers, strict=True))))


# --- One round ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    rush: Burst
    bare: Burst
    lock_waits: list[int]  # requests waiting for a lock, sampled through the rush


@contextmanager
def lock_waits_sampled(every_seconds: float = 0.02) -> Iterator[list[int]]:
    """How many of the server's sessions wait for a lock, sampled while the block runs: the
    rush is bound by the class lock when they are many, by the CPU when they are few."""
    from django.db import connection

    samples: list[int] = []
    stop = threading.Event()
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}

    def sample() -> None:
        import psycopg

        with psycopg.connect(**params, autocommit=True) as conn:
            while not stop.is_set():
                samples.append(
                    conn.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    ).fetchone()[0]
                )
                stop.wait(every_seconds)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        stop.set()
        sampler.join(10)


def rush_class(n: int) -> str:
    """A fresh 20-spot class for round n, tomorrow, clear of the others' times."""
    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    starts_at = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()))
    starts_at += timedelta(hours=6 + n)
    return str(server.fitness_class(f"Spin at six {n}", starts_at, SPOTS).pk)


def one_round(n: int, running: server.Server, members: list[server.SignedIn]) -> Round:
    from bookings.models import Booking

    class_id = rush_class(n)
    port = running.port
    book = [
        raw_request(
            "POST", f"/classes/{class_id}/book/", port, m.cookie, f"csrfmiddlewaretoken={m.token}"
        )
        for m in members
    ]
    bare = [raw_request("GET", BARE_PATH, port, m.cookie) for m in members]
    if n % 2 == 0:
        bare_burst = asyncio.run(burst(port, bare))
    with lock_waits_sampled() as lock_waits:
        rush_burst = asyncio.run(burst(port, book))
    if n % 2:
        bare_burst = asyncio.run(burst(port, bare))

    if any(a.status != 200 for a in bare_burst.answers):
        raise BenchmarkError(f"round {n + 1}: a bare-view request did not answer 200.")
    class_page = f"/classes/{class_id}/"
    wrong = [a for a in rush_burst.answers if a.status != 302 or a.location != class_page]
    if wrong:
        raise BenchmarkError(
            f"round {n + 1}: {len(wrong)} answers were not the redirect to the class page "
            f"(first: {wrong[0].status} {wrong[0].location})."
        )
    seen = asyncio.run(messages_seen(port, members, rush_burst.answers, class_page))
    booked = sum(message.startswith("You're booked") for message in seen)
    full = sum(message.startswith("This class is full") for message in seen)
    stored = Booking.objects.filter(fitness_class_id=class_id, status="confirmed").count()
    if stored != SPOTS or booked != SPOTS or booked + full != len(members):
        unclear = sorted({m for m in seen if not m.startswith(("You're booked", "This class"))})
        raise BenchmarkError(
            f"round {n + 1}: {stored} bookings stored, {booked} told booked, {full} told full, "
            f"of {len(members)}; other answers: {unclear[:3]}"
        )
    return Round(rush_burst, bare_burst, lock_waits)


def warm_up(running: server.Server, members: list[server.SignedIn]) -> None:
    """Every worker's imports done and its connections open before anything is timed."""
    for path in (BARE_PATH, "/"):
        requests = [raw_request("GET", path, running.port, m.cookie) for m in members[:100]]
        asyncio.run(burst(running.port, requests))


# --- Report -------------------------------------------------------------------------------------


def report(rounds: list[Round], members: int, at_once: int, say) -> None:
    rows = []
    for n, measured in enumerate(rounds, start=1):
        for name, b in (("rush: Book", measured.rush), ("bare view", measured.bare)):
            rows.append(
                (
                    f"round {n}, {name}",
                    f"{b.wall:.2f}",
                    f"{b.latency(50) * 1000:.0f}",
                    f"{b.latency(95) * 1000:.0f}",
                    f"{b.latency(100) * 1000:.0f}",
                )
            )
    say(
        server.table(
            f"{members} requests at once, each on its own connection",
            ("", "all answered s", "p50 ms", "p95 ms", "max ms"),
            rows,
        )
    )
    walls = [
        server.Spread(tuple(getattr(r, name).wall for r in rounds)) for name in ("rush", "bare")
    ]
    ratio = server.Spread(tuple(r.rush.wall / r.bare.wall for r in rounds))
    p95 = server.Spread(tuple(r.rush.latency(95) for r in rounds))
    verdict = f"<= {TARGET_RATIO:g}x: " + ("met" if ratio.median <= TARGET_RATIO else "MISSED")
    say(f"every round: exactly {SPOTS} booked, the other {members - SPOTS} told the class is full")
    waits = [w for r in rounds for w in r.lock_waits]
    say(
        f"requests waiting for a lock during the rush (of {at_once} the server serves at once): "
        f"median {server.percentile(waits, 50)}, p95 {server.percentile(waits, 95)}, "
        f"max {max(waits)} ({len(waits)} samples)"
    )
    say(server.noise_verdict(walls))
    say("")
    say(
        server.table(
            f"ratios (median of {len(rounds)} rounds, range in brackets)",
            ("", "median", "target"),
            [
                (
                    "rush time / bare-view time",
                    f"{ratio.show('x', 2)}",
                    verdict,
                ),
                ("rush p95", p95.show(" s", 2), ""),
            ],
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500, help="members (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions (default 3)")
    args = parser.parse_args(argv)
    if args.members <= SPOTS:
        parser.error(f"--members must be more than the {SPOTS} spots")
    url = os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3"
    with (
        tempfile.TemporaryDirectory(prefix="gymbooking-rush-") as directory,
        throwaway_database(url, BENCH_DATABASE, postgres_only=True) as bench_url,
    ):
        workdir = Path(directory)
        environment = server.production_environment(bench_url, workdir, server.free_port())
        server.prepare_django(environment)
        members = server.sign_in(server.members_with_credits(args.members, 10, "rush"))
        with server.gunicorn(environment, workdir) as running:
            print(f"the 06:00 rush on PostgreSQL: {running.describe()}")
            print(f"{args.members} members, one {SPOTS}-spot class a round; {server.machine()}")
            warm_up(running, members)
            rounds = [one_round(n, running, members) for n in range(args.rounds)]
            print("")
            report(rounds, args.members, running.workers * running.threads, print)
            if running.error_lines():
                raise BenchmarkError(f"{running.error_lines()} error lines in the server log.")


if __name__ == "__main__":
    exit_after(main)
