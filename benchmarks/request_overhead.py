"""What a request costs outside its view: the bare one-query view through the site's
middleware, adding one middleware at a time, in this process (no server, no network).

    .venv/bin/python benchmarks/request_overhead.py                  # SQLite
    DATABASE_URL=postgres://user@host:5432/any .venv/bin/python benchmarks/request_overhead.py

The production settings of the HTTP benchmarks (DEBUG off, JSON logs — written to /dev/null
here —, the metrics' multiprocess directory; on PostgreSQL the connection pool), a signed-in
member's cookies on every request. For k = 0 … all of settings.MIDDLEWARE, a WSGI handler
with the first k middleware serves `/bench/bare/`; the stacks are timed in turn, round after
round, and each middleware's cost is the median difference it makes. Ratio last: the whole
stack against the view alone.
"""

import argparse
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402
from benchmarks.throwaway import BenchmarkError, exit_after, throwaway_database  # noqa: E402

BENCH_DATABASE = "gymbooking_bench_overhead"
BARE_PATH = "/bench/bare/"  # benchmarks/bench_urls.py


def handlers():
    """(name of the middleware added, a WSGI handler with it and every one before it)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    stacks = []
    for k in range(len(settings.MIDDLEWARE) + 1):
        with override_settings(MIDDLEWARE=settings.MIDDLEWARE[:k]):
            name = settings.MIDDLEWARE[k - 1].rsplit(".", 1)[1] if k else "(the view alone)"
            stacks.append((name, WSGIHandler()))
    return stacks


def request_environ(cookie: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": BARE_PATH,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
    }


def serve(handler, environ: dict, requests: int) -> float:
    """Microseconds per request of `requests` requests, each answered 200."""
    statuses = []
    started = time.perf_counter()
    for _ in range(requests):
        body = handler({**environ, "wsgi.input": io.BytesIO()}, lambda s, h: statuses.append(s))
        b"".join(body)
        body.close()
    elapsed = time.perf_counter() - started
    if any(not status.startswith("200") for status in statuses):
        raise BenchmarkError(f"the bare view answered {set(statuses)}")
    return elapsed / requests * 1e6


def run(rounds: int, requests: int, say) -> None:
    from django.db import connection

    cookie = server.sign_in(server.members_with_credits(1, 1, "overhead"))[0].cookie
    environ = request_environ(cookie)
    stacks = handlers()
    for _, handler in stacks:  # warm-up
        serve(handler, environ, 50)
    timings: list[list[float]] = [[] for _ in stacks]
    for _ in range(rounds):
        for n, (_, handler) in enumerate(stacks):
            timings[n].append(serve(handler, environ, requests))
    spreads = [server.Spread(tuple(t)) for t in timings]
    rows = []
    for n, (name, _) in enumerate(stacks):
        added = ""
        if n:
            steps = tuple(b - a for a, b in zip(timings[n - 1], timings[n], strict=True))
            added = f"{server.Spread(steps).median:.0f}"
        rows.append((name, added, spreads[n].show(digits=0)))
    say(f"request overhead on {connection.vendor}, {server.machine()}")
    say(
        server.table(
            f"GET {BARE_PATH} in this process, {requests} requests x {rounds} rounds",
            ("middleware added", "us added", "us/request with it and those above"),
            rows,
        )
    )
    say(server.noise_verdict(spreads))
    say("")
    alone, whole = spreads[0].median, spreads[-1].median
    say(
        server.table(
            "ratio",
            ("", "median"),
            [("whole stack / the view alone", f"{whole / alone:.2f}x ({whole - alone:.0f} us)")],
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="repetitions (default 7)")
    parser.add_argument("--requests", type=int, default=500, help="per stack a round (500)")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3"
    with (
        tempfile.TemporaryDirectory(prefix="gymbooking-overhead-") as directory,
        throwaway_database(url, BENCH_DATABASE) as bench_url,
    ):
        environment = server.production_environment(bench_url, Path(directory), 8000)
        server.prepare_django(environment)
        # The request log line is part of the cost: written, but to nowhere.
        logging.disable(logging.NOTSET)
        for handler in logging.getLogger().handlers + logging.getLogger("django").handlers:
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
        run(args.rounds, args.requests, print)


if __name__ == "__main__":
    exit_after(main)
