"""The systemd units and the example environment file stay true to the project.

`systemd-analyze verify` checks the units where it is installed (with the paths pointed at
this checkout, since /srv/gymbooking does not exist here); everywhere, they are parsed and
every command they run must be one `manage.py` knows.
"""

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("gymbooking-*"))
RELEASE = "/srv/gymbooking"
VENV = f"{RELEASE}/.venv"
ENV_FILE = "/etc/gymbooking/gymbooking.env"
SETTINGS_SOURCES = [BASE_DIR / "gymbooking" / "settings.py", BASE_DIR / "gymbooking" / "env.py"]


class RepeatedKeys(dict):
    """A section's keys as configparser reads them (lists of lines), where a key given again
    (ExecStart, in a oneshot service) adds its line instead of replacing the first."""

    def __setitem__(self, key, value):
        if key in self and isinstance(value, list) and isinstance(self[key], list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def parse(unit: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(
        strict=False, interpolation=None, dict_type=RepeatedKeys, empty_lines_in_values=False
    )
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(unit)
    return parser


def exec_starts(unit: Path) -> list[list[str]]:
    raw = parse(unit)["Service"].get("ExecStart", "")
    return [shlex.split(line) for line in raw.splitlines() if line.strip()]


def test_there_are_the_web_worker_periodic_and_daily_units():
    names = {unit.name for unit in UNITS}

    assert names == {
        "gymbooking-web.service",
        "gymbooking-worker@.service",
        "gymbooking-periodic.service",
        "gymbooking-periodic.timer",
        "gymbooking-daily.service",
        "gymbooking-daily.timer",
    }


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=str)
def test_every_service_runs_a_command_of_this_project_from_the_release(unit):
    parsed = parse(unit)
    service = parsed["Service"]
    assert service["WorkingDirectory"] == RELEASE
    assert service["EnvironmentFile"] == ENV_FILE

    for command in exec_starts(unit):
        program, *args = command
        assert program.startswith(f"{VENV}/bin/")
        if program.endswith("/gunicorn"):
            assert args[:2] == ["-c", "deploy/gunicorn.conf.py"]
            assert (BASE_DIR / args[1]).is_file()
        else:
            assert program.endswith("/python")
            assert args[0] == "manage.py"
            assert args[1] in get_commands(), f"{unit.name}: no command {args[1]}"


@pytest.mark.parametrize("timer", [u for u in UNITS if u.suffix == ".timer"], ids=str)
def test_every_timer_starts_a_service_that_exists(timer):
    parsed = parse(timer)

    assert (DEPLOY / "systemd" / parsed["Timer"]["Unit"]).is_file()
    assert parsed["Timer"]["OnCalendar"]
    assert parsed["Install"]["WantedBy"] == "timers.target"


def test_workers_are_instanced_by_queue():
    (command,) = exec_starts(DEPLOY / "systemd" / "gymbooking-worker@.service")

    assert command[-3:] == ["process_events", "--queue", "%i"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path):
    """The units, pointed at this checkout and its interpreter, pass `systemd-analyze verify`
    (which fails on a command that does not exist and warns of unknown keys)."""
    venv = str(Path(sys.executable).parent.parent)
    env_file = tmp_path / "settings.env"
    env_file.write_text("DEBUG=False\n")
    for unit in UNITS:
        text = (
            unit.read_text()
            .replace(VENV, venv)
            .replace(RELEASE, str(BASE_DIR))
            .replace(ENV_FILE, str(env_file))
        )
        name = unit.name.replace("@.", "@default.")
        (tmp_path / name).write_text(text)

    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.glob("gym*"))],
        capture_output=True,
        text=True,
        timeout=60,
    )

    problems = [
        line
        for line in verified.stderr.splitlines()
        # This machine has no gymbooking user; the units are about to be installed.
        if "gymbooking" not in line or "user" not in line.lower()
    ]
    assert verified.returncode == 0, verified.stderr
    assert problems == [], verified.stderr


def test_the_example_environment_lists_every_setting_the_project_reads():
    read = set()
    for source in SETTINGS_SOURCES:
        read |= set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source.read_text()))
        read |= set(re.findall(r'"([A-Z][A-Z0-9_]+)" in env\.ENVIRON', source.read_text()))
    read |= set(
        re.findall(r'os\.environ\.get\("([A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text())
    )
    read |= set(re.findall(r'_int\("([A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    example = (DEPLOY / "gymbooking.env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.M))

    assert read - listed == set()
    assert listed - read == set()
