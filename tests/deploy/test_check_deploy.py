"""`manage.py check --deploy` with the production configuration the example environment
gives (DEBUG off, a secret key, HTTPS behind the proxy, SMTP) reports no issue at all; the
only silenced check is the deliberate one listed here."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parents[2]
EXAMPLE = BASE_DIR / "deploy" / "gymbooking.env.example"

# HSTS preload is the operator's choice (SECURE_HSTS_PRELOAD), not a default.
DELIBERATE_SILENCES = ["security.W021"]


def production_environment() -> dict[str, str]:
    """The example's set variables (its commented lines are defaults), and a real key."""
    variables = {}
    for line in EXAMPLE.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            variables[match.group(1)] = match.group(2).strip('"')
    variables["SECRET_KEY"] = get_random_secret_key()
    return {"PATH": os.environ["PATH"], **variables}


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=BASE_DIR,
        env={**production_environment(), **overrides},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_the_production_settings_reports_nothing():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"System check identified no issues ({len(DELIBERATE_SILENCES)} silenced)." in (
        result.stdout
    )


def test_the_only_silence_is_the_deliberate_one_and_it_goes_with_preloading():
    code = "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)"
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    preloading = check_deploy(SECURE_HSTS_PRELOAD="True")

    assert shown.stdout.strip().splitlines()[-1] == str(DELIBERATE_SILENCES), shown.stderr
    assert "System check identified no issues (0 silenced)." in preloading.stdout


def test_a_lockout_or_session_setting_below_one_refuses_to_start():
    for name in ("GYM_LOGIN_FAILURE_LIMIT", "GYM_SESSION_IDLE_MINUTES", "GYM_FORM_RATE_LIMIT"):
        result = check_deploy(**{name: "0"})

        assert result.returncode != 0
        assert f"{name} must be at least 1." in result.stderr
