"""GYM_STAFF_MFA_REQUIRED is on unless DEBUG is (production fails closed), and the
environment may say otherwise either way. The settings are imported in a fresh interpreter."""

import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {"SECRET_KEY": "x" * 50, "DATABASE_URL": "sqlite:////tmp/gym-mfa.sqlite3"}


def required_with(**variables: str) -> str:
    code = "import gymbooking.settings as s; print(s.GYM_STAFF_MFA_REQUIRED)"
    env = {"PATH": "/usr/bin:/bin", **variables}
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    return loaded.stdout.strip()


@pytest.mark.parametrize(
    ("variables", "required"),
    [
        (PRODUCTION, "True"),
        ({**PRODUCTION, "GYM_STAFF_MFA_REQUIRED": "False"}, "False"),
        ({"DEBUG": "True"}, "False"),
        ({"DEBUG": "True", "GYM_STAFF_MFA_REQUIRED": "True"}, "True"),
    ],
    ids=["production", "production, turned off", "development", "development, turned on"],
)
def test_staff_need_a_second_factor_unless_debug_is_on(variables, required):
    assert required_with(**variables) == required
