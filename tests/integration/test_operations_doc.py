"""docs/operations.md tells the truth: every command and option it gives exists, every setting
it names is one the project reads (the example environment lists exactly those), every file
it points to is there, and every metric it says to alert on is served at /metrics."""

import re
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

BASE_DIR = Path(__file__).resolve().parents[2]
RUNBOOK = (BASE_DIR / "docs" / "operations.md").read_text()
EXAMPLE_ENVIRONMENT = (BASE_DIR / "deploy" / "gymbooking.env.example").read_text()

# `manage.py <command> [--option …]`, in code blocks and in running text alike.
COMMAND_LINES = re.findall(r"manage\.py ([a-z_]+)([^\n`]*)", RUNBOOK)
MENTIONED_COMMANDS = set(re.findall(r"`([a-z]+_[a-z_]+)`", RUNBOOK)) & set(get_commands())


def test_the_runbook_names_commands():
    assert {"migrate", "create_staff", "process_events", "collectstatic"} <= {
        command for command, _ in COMMAND_LINES
    }


@pytest.mark.parametrize(("command", "rest"), COMMAND_LINES)
def test_every_command_and_option_in_the_runbook_exists(command, rest):
    assert command in get_commands(), f"manage.py {command} does not exist"
    parser = load_command_class(get_commands()[command], command).create_parser(
        "manage.py", command
    )
    known = {option for action in parser._actions for option in action.option_strings}
    for option in re.findall(r"(--[a-z][a-z-]*)", rest):
        assert option in known, f"manage.py {command} has no {option}"


def test_every_periodic_job_the_runbook_lists_exists():
    assert {
        "run_periodic",
        "prune_history",
        "generate_classes",
        "end_memberships",
    } <= MENTIONED_COMMANDS


def test_every_setting_the_runbook_names_is_in_the_example_environment():
    named = set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)", RUNBOOK))
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", EXAMPLE_ENVIRONMENT, re.M))

    assert len(named) > 10
    assert named - listed == set()


def test_every_file_the_runbook_points_to_exists():
    paths = set(re.findall(r"`((?:deploy|docs|tests)/[\w./@-]+)`", RUNBOOK))
    units = {
        f"deploy/systemd/{u}" for u in re.findall(r"(gymbooking-[a-z]+(?:@|\.timer))", RUNBOOK)
    }

    assert paths and units
    for path in paths:
        assert (BASE_DIR / path).exists(), path
    for unit in units:
        name = unit.replace("@", "@.service") if unit.endswith("@") else unit
        assert (BASE_DIR / name).exists(), name


@pytest.mark.django_db
def test_every_metric_the_runbook_alerts_on_is_served(client, settings):
    settings.GYM_METRICS_ALLOWED_IPS = ["127.0.0.1"]
    named = set(re.findall(r"(gymbooking_[a-z_]+)", RUNBOOK))

    served = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    assert len(named) >= 6
    for metric in named:
        assert re.search(rf"^# TYPE {metric}(_total)? ", served, re.M) or (
            f"# TYPE {metric.removesuffix('_total')} " in served
        ), metric
