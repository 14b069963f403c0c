"""The deploy files work: gunicorn's configuration imports and serves the site the way
production runs it (DEBUG off, collected static files), and stops cleanly on SIGTERM.

SQLite stands in for PostgreSQL here: what is under test is the server and the settings.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CONFIG = BASE_DIR / "deploy" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")
STARTUP_SECONDS = 30
REQUEST_ID = "3f1c2a9e-deploy-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A production start's variables, over a throwaway SQLite file and STATIC_ROOT."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEBUG": "False",
        "SECRET_KEY": "gunicorn-test-" + "k" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_HTTPS_PROXY": "True",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_the_gunicorn_configuration_imports_and_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "unix:/run/gymbooking/gunicorn.sock")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    namespace: dict = {}

    exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), namespace)

    assert namespace["wsgi_app"] == "gymbooking.wsgi:application"
    assert namespace["bind"] == ["unix:/run/gymbooking/gunicorn.sock"]
    assert namespace["threads"] == 8
    assert namespace["worker_class"] == "gthread"
    assert namespace["graceful_timeout"] <= namespace["timeout"]
    assert "%({x-request-id}i)s" in namespace["access_log_format"]


def test_gunicorn_checks_the_configuration():
    checked = subprocess.run(
        [str(GUNICORN), "-c", str(CONFIG), "--check-config"],
        cwd=BASE_DIR,
        env={**os.environ, "DEBUG": "True"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stderr + checked.stdout


@pytest.mark.timeout(180)
def test_gunicorn_serves_the_site_in_production_mode_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = production_environment(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
    )
    # The build step needs neither the secret nor the database...
    manage(
        {**env, "BUILD_STEP": "True", "SECRET_KEY": "", "DATABASE_URL": ""},
        "collectstatic",
        "--noinput",
    )
    # ...the release step does.
    manage(env, "migrate", "--noinput")

    server = subprocess.Popen(
        [str(GUNICORN), "-c", str(CONFIG)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = get_when_up(f"http://127.0.0.1:{port}/accounts/login/", server)

        assert page.status == 200
        body = page.read().decode()
        stylesheet = re.search(r'href="(/static/css/gymbooking\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, "the page links the collected, hashed stylesheet"
        css = request(f"http://127.0.0.1:{port}{stylesheet.group(1)}")
        assert css.status == 200
        assert "immutable" in css.headers["Cache-Control"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
            pytest.fail(f"gunicorn did not stop within 40 s of SIGTERM:\n{output}")

    assert server.returncode == 0, output
    assert f"request_id={REQUEST_ID}" in output, output
    assert "Shutting down" in output or "Handling signal: term" in output, output


def request(url: str) -> urllib.response.addinfourl:
    req = urllib.request.Request(
        url, headers={"X-Forwarded-Proto": "https", "X-Request-ID": REQUEST_ID}
    )
    return urllib.request.urlopen(req, timeout=10)


def get_when_up(url: str, server: subprocess.Popen):
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited at start:\n{server.stdout.read()}")
        try:
            return request(url)
        except urllib.error.HTTPError:
            raise
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS} s")
            time.sleep(0.2)
