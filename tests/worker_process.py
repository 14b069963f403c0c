"""Running `manage.py` commands (a `process_events` worker above all) in processes of their
own, against a database they share with the test.

On PostgreSQL that is the test database itself (tests using it are transactional, so what the
other processes commit is flushed afterwards); on SQLite, whose test database lives in the
test process's memory, a fresh file database that `migrate` prepares.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
APPLICATION_NAME = "gymbooking-test-worker"


def _database_url(tmp_path: Path) -> tuple[str, bool]:
    """The URL of the shared database, and whether it still needs migrating."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        return f"{url}?application_name={APPLICATION_NAME}", False
    return f"sqlite:///{tmp_path / 'worker.sqlite3'}", True


class Processes:
    """`manage.py` in other processes, all on the shared database."""

    def __init__(self, tmp_path: Path, **environment: str) -> None:
        url, needs_migrating = _database_url(tmp_path)
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "GYM_", "DATABASE"))
        }
        self.env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "gymbooking.settings",
            "DATABASE_URL": url,
            "PYTHONUNBUFFERED": "1",
            **environment,
        }
        self.logs = tmp_path / "logs"
        self.started: list[Worker] = []
        if needs_migrating:
            self.manage("migrate", "--no-input", "-v0")

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def manage(self, *args: str, timeout: float = 120, **environment: str) -> str:
        """Run a command to its end; its stdout (it must succeed)."""
        result = subprocess.run(
            self.command(*args),
            cwd=ROOT,
            env={**self.env, **environment},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def python(self, code: str, **environment: str):
        """Run `code` in a process with Django set up; the JSON it printed last, decoded."""
        output = self.manage("shell", "--no-imports", "-c", code, **environment)
        return json.loads(output.splitlines()[-1]) if output else None

    def start(self, *args: str, **environment: str) -> "Worker":
        """Start a command without waiting for it."""
        worker = Worker(self.command(*args), {**self.env, **environment}, self.logs)
        self.started.append(worker)
        return worker

    def kill_all(self) -> None:
        """Kill what is still running (a test that failed half-way)."""
        for worker in self.started:
            if worker.returncode is None and worker.process.poll() is None:
                worker.kill()

    def start_python(self, code: str, **environment: str) -> "Worker":
        return self.start("shell", "--no-imports", "-c", code, **environment)


class Worker:
    """A command running in a process of its own; what it writes goes to files (a pipe nobody
    reads would fill up and block it)."""

    def __init__(self, command: list[str], env: dict[str, str], logs: Path) -> None:
        logs.mkdir(exist_ok=True)
        number = len(list(logs.iterdir()))
        self.stdout_path, self.stderr_path = logs / f"{number}.out", logs / f"{number}.err"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def output(self) -> str:
        return self.stdout_path.read_text().strip()

    def log(self) -> str:
        return self.stderr_path.read_text()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def stop(self, *, timeout: float) -> float:
        """SIGTERM, then wait for the exit; the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"the worker did not stop within {timeout} s:\n{self.log()[-3000:]}"
            ) from None
        return time.monotonic() - started


def wait_until(condition, *, timeout: float, interval: float = 0.05, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)
