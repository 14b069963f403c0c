"""Sentry: started by the settings when SENTRY_DSN is set, with the Django integration and no
personal data, and never touching the network at start-up; nothing at all without a DSN.

Each case imports the settings in a fresh interpreter whose sockets refuse to connect, so the
test process's own Sentry state is left alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, socket

def no_network(*args, **kwargs):
    raise AssertionError("the network was touched")

socket.socket.connect = no_network
socket.socket.connect_ex = no_network
socket.create_connection = no_network
socket.getaddrinfo = no_network

import django
django.setup()
import sentry_sdk

client = sentry_sdk.get_client()
integrations = sorted(getattr(client, "integrations", {}) or {})
print(json.dumps({
    "active": client.is_active(),
    "pii": client.options.get("send_default_pii"),
    "environment": client.options.get("environment"),
    "release": client.options.get("release"),
    "django": "django" in integrations,
}))
client.close(timeout=0)
"""


def probe(**environment: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")} | {
        "DJANGO_SETTINGS_MODULE": "gymbooking.settings",
        "PYTHONPATH": str(ROOT),
        **environment,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_is_not_started():
    assert probe()["active"] is False


def test_with_a_dsn_sentry_starts_with_django_and_without_personal_data_offline():
    # 127.0.0.1: were anything sent, it would go nowhere
    started = probe(
        SENTRY_DSN="https://public@127.0.0.1/1",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="gymbooking@1.2.3",
    )

    assert started == {
        "active": True,
        "pii": False,
        "environment": "staging",
        "release": "gymbooking@1.2.3",
        "django": True,
    }
