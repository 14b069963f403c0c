"""What the HTTP benchmarks share: the site served by gunicorn as production runs it, members
signed in, and the arithmetic of the results.

The server is `deploy/gunicorn.conf.py` unchanged (gthread workers, its worker and thread
counts) with the production settings (DEBUG off, collected static files, JSON logs, the
metrics' multiprocess directory, HTTPS behind a proxy on 127.0.0.1: the load generator sends
`X-Forwarded-Proto: https` as the proxy does), on a throwaway database, plus the bare view of
`benchmarks/bench_urls.py`. Two things differ from a deploy, both said in the output:
workers are not recycled after GUNICORN_MAX_REQUESTS (a restart mid-run is noise, not the
cost of a request), and the logs go to a file instead of journald.
"""

import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.throwaway import BenchmarkError

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")
STARTUP_SECONDS = 60
STOP_SECONDS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(database_url: str, workdir: Path, port: int) -> dict[str, str]:
    """The variables of a production start, for the server and for this process alike."""
    metrics = workdir / "metrics"
    metrics.mkdir(exist_ok=True)
    environment = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
        "DEBUG": "False",
        "SECRET_KEY": f"benchmark-only-{uuid.uuid4()}-{uuid.uuid4()}",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_HTTPS_PROXY": "True",
        "STATIC_ROOT": str(workdir / "static"),
        "EMAIL_URL": "memorymail://",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONPATH": str(ROOT),
    }
    if database_url.startswith("postgres"):
        # The pool as docs/operations.md sizes it: one connection per gunicorn thread.
        threads = os.environ.get("GUNICORN_THREADS") or "4"
        environment |= {
            "DATABASE_POOL": "True",
            "DATABASE_POOL_MIN_SIZE": threads,
            "DATABASE_POOL_MAX_SIZE": threads,
        }
    return environment


def prepare_django(environment: dict[str, str]) -> None:
    """Django in this process, over the same database and settings as the server: migrated,
    static files collected."""
    os.environ.update(environment)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    # This process only prepares and checks: its own log lines (the sign-ins) are noise here.
    logging.disable(logging.INFO)


@dataclass(frozen=True)
class Server:
    port: int
    log: Path
    workers: int
    threads: int

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_origin(self) -> str:
        """The origin the browser sees through the proxy (CSRF checks the Origin header)."""
        return f"https://127.0.0.1:{self.port}"

    def describe(self) -> str:
        return (
            f"gunicorn {self.workers} gthread workers x {self.threads} threads "
            f"(deploy/gunicorn.conf.py; no max-requests recycling; logs to a file)"
        )

    def error_lines(self) -> int:
        """Application log lines at ERROR or worse: a benchmark with any means nothing."""
        text = self.log.read_text(errors="replace")
        return sum(
            1 for line in text.splitlines() if '"level": "ERROR"' in line or "[CRITICAL]" in line
        )


@contextmanager
def gunicorn(environment: dict[str, str], workdir: Path) -> Iterator[Server]:
    """gunicorn with the deploy configuration, started and answering /health/live; stopped
    with SIGTERM (as systemd does) at the end."""
    port = int(environment["GUNICORN_BIND"].rsplit(":", 1)[1])
    namespace: dict = {}
    with _environ(environment):
        exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), namespace)
    log = workdir / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", str(CONFIG)],
            cwd=ROOT,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_live(process, f"http://127.0.0.1:{port}/health/live", log)
        yield Server(port, log, namespace["workers"], namespace["threads"])
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _wait_until_live(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"gunicorn exited at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise BenchmarkError(f"gunicorn did not answer {url} within {STARTUP_SECONDS} s.")


# --- Data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """A member signed in as her browser would be: the Cookie header, and the CSRF token a
    form on the site would carry."""

    member_id: str
    cookie: str
    token: str


def members_with_credits(count: int, credits: int, tag: str) -> list:
    """`count` members with logins, each with `credits` credits for a month."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from members.models import CreditGrant, Member

    now = timezone.now()
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{tag}-{n}@example.com", email=f"{tag}-{n}@example.com")
        for n in range(count)
    )
    members = Member.objects.bulk_create(
        Member(user=user, name=f"Member {n}", email=user.email) for n, user in enumerate(users)
    )
    CreditGrant.objects.bulk_create(
        CreditGrant(
            member=member,
            amount=credits,
            remaining=credits,
            granted_at=now,
            expires_at=now + timedelta(days=30),
            reason="benchmark",
        )
        for member in members
    )
    return members


def sign_in(members: Sequence) -> list[SignedIn]:
    """Each member's session, made as the login view makes it (no sign-in throttling met on
    the way: that is not what is measured), and a CSRF cookie."""
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    signed_in = []
    for member in members:
        client = Client()
        client.force_login(member.user)
        token = _get_new_csrf_string()
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}"
        signed_in.append(SignedIn(str(member.pk), cookie, token))
    return signed_in


def fitness_class(name: str, starts_at: datetime, capacity: int):
    from classes.models import FitnessClass
    from locations.models import Location

    return FitnessClass.objects.create(
        name=name,
        instructor="Benchmark",
        location=Location.objects.named("Studio 1"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=45),
        capacity=capacity,
    )


# --- Results ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Spread:
    """Repeated measurements of one figure: the median and the range."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def noise(self) -> float:
        """The range as a fraction of the median."""
        return (max(self.values) - min(self.values)) / self.median if self.median else 0.0

    def show(self, unit: str = "", digits: int = 0) -> str:
        low, high = min(self.values), max(self.values)
        return f"{self.median:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def machine() -> str:
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (shared machine)"


def noise_verdict(spreads: Sequence[Spread]) -> str:
    """How noisy the runs were, from the widest range of the repeated figures."""
    worst = max(spread.noise for spread in spreads)
    word = "quiet" if worst < 0.1 else "somewhat noisy" if worst < 0.3 else "noisy"
    return (
        f"noise: the widest range of a repeated figure is {worst:.0%} of its median ({word}); "
        f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        first, *rest = row
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        )

    rule = "-" * len(line(header))
    return "\n".join([title, rule, line(header), rule, *map(line, rows), rule])
