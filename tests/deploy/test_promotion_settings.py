"""The promotion settings fail closed: a value the rules cannot apply stops the site from
starting with a message naming the variable, instead of promoting by a guess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def import_settings(**variables: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DEBUG": "True", **variables}
    return subprocess.run(
        [sys.executable, "-c", "import gymbooking.settings"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"GYM_PROMOTION_INSIDE_WINDOW": "sometimes"}, 'must be "never" or "grace"'),
        ({"GYM_PROMOTION_GRACE_MINUTES": "0"}, "GYM_PROMOTION_GRACE_MINUTES must be at least 1"),
    ],
)
def test_a_promotion_setting_the_rules_cannot_apply_is_refused(variables, message):
    started = import_settings(**variables)

    assert started.returncode != 0
    assert message in started.stderr


def test_the_safer_promotion_setting_is_the_default():
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gymbooking import settings; "
            "print(settings.GYM_PROMOTION_INSIDE_WINDOW, settings.GYM_PROMOTION_GRACE_MINUTES)",
        ],
        cwd=BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("GYM_PROMOTION")},
            "DEBUG": "True",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.stdout.split() == ["never", "30"]
