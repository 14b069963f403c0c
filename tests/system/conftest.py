"""A site deployed the way docs/operations.md says, for the system tests: a fresh PostgreSQL
database, an environment file made from deploy/gymbooking.env.example, `migrate`,
`collectstatic`, two gunicorn nodes (deploy/gunicorn.conf.py) and a fast and a mail worker,
all on 127.0.0.1, e-mail going to a mail server that never answers.

Everything is bounded: each wait has a deadline, and whatever is still running when the
module ends is killed before its database is dropped.
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.deploy.test_gunicorn import BASE_DIR, CONFIG, GUNICORN, free_port, manage
from tests.smtp import BlackHoleSMTP
from tests.worker_process import Worker

ENV_EXAMPLE = BASE_DIR / "deploy" / "gymbooking.env.example"
SMTP_TIMEOUT = 2  # seconds: EMAIL_URL's ?timeout=
STARTUP_SECONDS = 30
PASSWORD = "a-long-system-test-password"
BOOKED = ("Ana", "ana@example.com")
WAITING = ("Ben", "ben@example.com")

# The members and the class, created in the site's own environment (seed_demo refuses to run
# with DEBUG off). Ana holds the only spot of Spin, paid with her one credit; Ben, who has a
# credit, waits for it.
SEED = f"""
from datetime import timedelta

from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from locations.models import Location
from members.models import CreditGrant, Member
from members.queries import create_login

now = timezone.now()
spin = FitnessClass.objects.create(
    name="Spin", instructor="Kim", location=Location.objects.named("Studio 1"), capacity=1,
    starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1),
)

def member(name, email, *, remaining):
    login = create_login(name, email, {PASSWORD!r})
    person = Member.objects.create(name=name, email=email, user=login)
    grant = CreditGrant.objects.create(
        member=person, amount=1, remaining=remaining, granted_at=now,
        expires_at=now + timedelta(days=30), reason="Bought at the desk",
    )
    return person, grant

ana, ana_grant = member(*{BOOKED!r}, remaining=0)
ben, _ = member(*{WAITING!r}, remaining=1)
Booking.objects.create(member=ana, fitness_class=spin, created_at=now, credit_grant=ana_grant)
WaitlistEntry.objects.create(member=ben, fitness_class=spin, created_at=now)
"""


def postgresql_only(items: list[pytest.Item]) -> None:
    """The system tests run the production setup, whose database is PostgreSQL: skip them
    elsewhere, with the reason. (With GYMBOOKING_REQUIRE_POSTGRES_TESTS=1 the root conftest
    already refuses to run on another database.)"""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (the production database); set DATABASE_URL=postgres://..."
    )
    for item in items:
        if item.get_closest_marker("system"):
            item.add_marker(skip)


def pytest_collection_modifyitems(config, items):
    postgresql_only(items)


# --- The database -----------------------------------------------------------------------------


def server_login() -> dict[str, str]:
    """How to reach the PostgreSQL server the tests run on (its maintenance database)."""
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"],
        "password": db["PASSWORD"] or "",
    }


def database_url(login: dict[str, str], name: str) -> str:
    user = login["user"] + (f":{login['password']}" if login["password"] else "")
    return f"postgres://{user}@{login['host']}:{login['port']}/{name}"


def run_sql(login: dict[str, str], sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **login) as db:
        db.execute(sql)


# --- The environment file ---------------------------------------------------------------------


def read_environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile reads them (comments and blanks skipped,
    a double-quoted value unquoted)."""
    variables = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            variables[key.strip()] = value
    return variables


def write_environment_file(path: Path, settings: dict[str, str]) -> None:
    """The example file with `settings` filled in (a line the example lacks is added)."""
    lines, written = [], set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        key = line.partition("=")[0].strip()
        if not line.startswith("#") and key in settings:
            line = f"{key}={settings[key]}"
            written.add(key)
        lines.append(line)
    lines += [f"{key}={value}" for key, value in settings.items() if key not in written]
    path.write_text("\n".join(lines) + "\n")


# --- The site ---------------------------------------------------------------------------------


@dataclass
class Node:
    """One gunicorn web node."""

    name: str
    url: str
    process: Worker


@dataclass
class Site:
    database: str
    login: dict[str, str]
    nodes: list[Node]
    workers: dict[str, Worker]  # by queue
    mail_server: BlackHoleSMTP
    env: dict[str, str]  # the site's environment, from its environment file

    def shell(self, code: str) -> None:
        """Python run in the site's own `manage.py shell` (to seed what no page creates)."""
        manage(self.env, "shell", "--no-imports", "-c", code)

    def query(self, sql: str, *params) -> list[tuple]:
        """Rows from the site's database, read directly."""
        with psycopg.connect(
            dbname=self.database, autocommit=True, connect_timeout=5, **self.login
        ) as db:
            return db.execute(sql, params).fetchall()


def wait_until_live(node: Node) -> None:
    """Until the node answers /health/live, or fail (with its log) after STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if node.process.process.poll() is not None:
            pytest.fail(f"gunicorn {node.name} exited at start:\n{node.process.log()[-3000:]}")
        try:
            with urllib.request.urlopen(node.url + "/health/live", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn {node.name} did not answer within {STARTUP_SECONDS} s")
            time.sleep(0.1)


def shut_down(processes: list[Worker], *, seconds: float = 5) -> None:
    """SIGTERM to whatever still runs (a gunicorn master then stops its own workers), and
    SIGKILL to what has not ended `seconds` later."""
    running = [worker for worker in processes if worker.process.poll() is None]
    for worker in running:
        worker.process.terminate()
    deadline = time.monotonic() + seconds
    for worker in running:
        try:
            worker.process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The deployed site; at the end every process still running is killed and the database
    dropped."""
    tmp = tmp_path_factory.mktemp("system")
    login = server_login()
    name = f"gymbooking_system_{secrets.token_hex(4)}"
    mail_server = BlackHoleSMTP()
    started: list[Worker] = []
    try:
        run_sql(login, f'CREATE DATABASE "{name}"')
        # The operator's environment file, from the example.
        env_file = tmp / "gymbooking.env"
        write_environment_file(
            env_file,
            {
                "DEBUG": "False",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "DATABASE_URL": database_url(login, name),
                "ALLOWED_HOSTS": "127.0.0.1",
                "STATIC_ROOT": str(tmp / "static"),
                "EMAIL_URL": f"{mail_server.url}?timeout={SMTP_TIMEOUT}",
                "LOG_FORMAT": "json",
                "GYM_EVENT_DELIVERY": "inline",
                # Open, so that the security probe can try to abuse it.
                "GYM_SELF_SIGNUP": "True",
            },
        )
        # Nothing from the test run's own environment (DEBUG=True above all) leaks in.
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp),
            "PYTHONUNBUFFERED": "1",
            **read_environment_file(env_file),
        }
        assert env["DEBUG"] == "False" and env["BEHIND_HTTPS_PROXY"] == "True"

        # Once: the schema, the static files (a build step: no secret, no database), the data.
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")  # the rate limits' shared cache (CACHE_URL)
        build = {**env, "BUILD_STEP": "True", "SECRET_KEY": "", "DATABASE_URL": ""}
        manage(build, "collectstatic", "--noinput", "-v0")
        manage(env, "shell", "--no-imports", "-c", SEED)

        # The processes, as the systemd units start them.
        logs = tmp / "logs"
        nodes = []
        for node_name in ("A", "B"):
            port = free_port()
            metrics_dir = tmp / f"metrics-{node_name}"
            metrics_dir.mkdir()
            web_env = {
                **env,
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "2",
            }
            process = Worker([str(GUNICORN), "-c", str(CONFIG)], web_env, logs)
            started.append(process)
            nodes.append(Node(node_name, f"http://127.0.0.1:{port}", process))
        workers = {}
        for queue in ("fast", "mail"):
            worker_env = {**env, "GYM_WORKER_NAME": f"process_events-{queue}@system-test"}
            command = [sys.executable, str(BASE_DIR / "manage.py"), "process_events"]
            workers[queue] = Worker([*command, "--queue", queue], worker_env, logs)
            started.append(workers[queue])
        for node in nodes:
            wait_until_live(node)

        yield Site(name, login, nodes, workers, mail_server, env)
    finally:
        shut_down(started)
        mail_server.stop()
        run_sql(login, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
