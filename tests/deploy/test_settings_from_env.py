"""The settings read from the environment: the database pool, and production failing closed.

The parsing functions (gymbooking/env.py) are called with the variables each test means; the
settings module itself is imported in a fresh interpreter, with a clean environment, for what
only the whole module shows (DEBUG's default, the refusal to start, the build step).
"""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from gymbooking.env import database_settings, pool_options, require_production_settings
from gymbooking.pool import check_pooled_connection

BASE_DIR = Path(__file__).resolve().parents[2]
PG_URL = "postgres://gym:secret@db.example.com:5432/gymbooking"
SQLITE_DEFAULT = "sqlite:////tmp/gymbooking-default.sqlite3"


@pytest.fixture
def environment(monkeypatch):
    """Set only the given variables (the test process's own DATABASE_URL etc. removed)."""
    for name in list(os.environ):
        if name.startswith(("DATABASE", "CONN_MAX_AGE")):
            monkeypatch.delenv(name)

    def set_(**variables: str) -> dict:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return database_settings(environ.Env(), default_url=SQLITE_DEFAULT)

    return set_


# --- The database ------------------------------------------------------------------------


def test_without_a_url_the_database_is_sqlite_with_writers_queueing(environment):
    settings = environment()

    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "pool" not in settings["OPTIONS"]


def test_postgresql_has_no_pool_by_default_and_checks_connections_before_reuse(environment):
    settings = environment(DATABASE_URL=PG_URL)

    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert "pool" not in settings["OPTIONS"]
    assert settings["CONN_MAX_AGE"] == 0
    assert settings["CONN_HEALTH_CHECKS"] is True


def test_postgresql_connections_turn_jit_compilation_off(environment):
    assert environment(DATABASE_URL=PG_URL)["OPTIONS"]["options"] == "-c jit=off"


def test_connection_options_in_the_url_come_after_jit_off_so_they_win(environment):
    settings = environment(DATABASE_URL=f"{PG_URL}?options=-c%20jit%3Don")

    assert settings["OPTIONS"]["options"] == "-c jit=off -c jit=on"


def test_conn_max_age_keeps_connections_open_without_a_pool(environment):
    settings = environment(DATABASE_URL=PG_URL, CONN_MAX_AGE="60")

    assert settings["CONN_MAX_AGE"] == 60
    assert "pool" not in settings["OPTIONS"]


def test_database_pool_turns_on_django_s_pool_with_the_default_sizes(environment):
    settings = environment(DATABASE_URL=PG_URL, DATABASE_POOL="True")

    assert settings["OPTIONS"]["pool"] == {
        "min_size": 2,
        "max_size": 10,
        "timeout": 10.0,
        "check": check_pooled_connection,
    }
    assert settings["CONN_MAX_AGE"] == 0


def test_the_pool_checks_a_connection_it_lends_by_polling_its_socket_not_a_round_trip(
    environment,
):
    settings = environment(DATABASE_URL=PG_URL, DATABASE_POOL="True")

    assert settings["OPTIONS"]["pool"]["check"] is check_pooled_connection


def test_the_pool_sizes_and_timeout_come_from_the_environment(environment):
    settings = environment(
        DATABASE_URL=PG_URL,
        DATABASE_POOL="on",
        DATABASE_POOL_MIN_SIZE="4",
        DATABASE_POOL_MAX_SIZE="16",
        DATABASE_POOL_TIMEOUT="2.5",
    )

    assert settings["OPTIONS"]["pool"] == {
        "min_size": 4,
        "max_size": 16,
        "timeout": 2.5,
        "check": check_pooled_connection,
    }


def test_pool_true_in_the_url_is_a_pool_not_a_string_django_cannot_read(environment):
    settings = environment(DATABASE_URL=f"{PG_URL}?pool=true&sslmode=require")

    assert settings["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c jit=off",
        "pool": {
            "min_size": 2,
            "max_size": 10,
            "timeout": 10.0,
            "check": check_pooled_connection,
        },
    }


def test_pool_false_in_the_url_is_no_pool(environment):
    settings = environment(DATABASE_URL=f"{PG_URL}?pool=false")

    assert "pool" not in settings["OPTIONS"]


def test_database_pool_overrides_the_url(environment):
    settings = environment(DATABASE_URL=f"{PG_URL}?pool=true", DATABASE_POOL="False")

    assert "pool" not in settings["OPTIONS"]


def test_a_pool_option_in_the_url_that_is_not_a_yes_or_no_is_refused(environment):
    with pytest.raises(ImproperlyConfigured, match="must be true or false"):
        environment(DATABASE_URL=f"{PG_URL}?pool=16")


@pytest.mark.parametrize(
    "variables",
    [
        {"CONN_MAX_AGE": "60"},
        {"DATABASE_URL": f"{PG_URL}?conn_max_age=60"},
    ],
)
def test_the_pool_and_persistent_connections_are_refused_together(environment, variables):
    variables = {"DATABASE_URL": PG_URL, "DATABASE_POOL": "True", **variables}

    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE=0"):
        environment(**variables)


def test_a_pool_on_sqlite_is_refused(environment):
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL only"):
        environment(DATABASE_POOL="True")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DATABASE_POOL_MIN_SIZE": "-1"}, "MIN_SIZE must not be negative"),
        ({"DATABASE_POOL_MIN_SIZE": "8", "DATABASE_POOL_MAX_SIZE": "4"}, "at least"),
        ({"DATABASE_POOL_MAX_SIZE": "0"}, "at least 1"),
        ({"DATABASE_POOL_TIMEOUT": "0"}, "positive"),
    ],
)
def test_pool_sizes_that_cannot_work_are_refused(monkeypatch, variables, message):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        pool_options(environ.Env())


def test_a_larger_minimum_raises_the_default_maximum(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_MIN_SIZE", "12")

    assert pool_options(environ.Env())["max_size"] == 12


# --- Production fails closed ---------------------------------------------------------------


def test_production_needs_a_secret_key_and_a_database_url():
    with pytest.raises(ImproperlyConfigured) as refused:
        require_production_settings({}, debug=False, build=False)

    message = str(refused.value)
    assert "SECRET_KEY and DATABASE_URL are not set" in message
    assert "deploy/gymbooking.env.example" in message


def test_production_with_both_set_starts():
    require_production_settings(
        {"SECRET_KEY": "x" * 50, "DATABASE_URL": PG_URL}, debug=False, build=False
    )


def test_development_and_build_steps_need_neither():
    require_production_settings({}, debug=True, build=False)
    require_production_settings({}, debug=False, build=True)


def load_settings(**variables: str) -> subprocess.CompletedProcess:
    """Import gymbooking.settings in a fresh interpreter with only PATH and these variables
    (an empty one is unset; a developer's .env never overrides a variable that is set)."""
    code = (
        "import gymbooking.settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], "
        "s.SECRET_KEY.startswith('django-insecure'))"
    )
    env = {"PATH": os.environ["PATH"], "DEBUG": "False", **variables}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_is_off_by_default_so_a_bare_start_refuses_to_run():
    loaded = load_settings(SECRET_KEY="", DATABASE_URL="")

    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr
    assert "SECRET_KEY and DATABASE_URL are not set" in loaded.stderr


def test_production_with_the_public_development_key_refuses_to_run():
    loaded = load_settings(
        SECRET_KEY="django-insecure-dev-only-gymbooking-do-not-use-in-production",
        DATABASE_URL="sqlite:////tmp/gymbooking-production-check.sqlite3",
    )

    assert loaded.returncode != 0
    assert "public development key" in loaded.stderr


def test_production_with_a_secret_and_a_database_loads():
    loaded = load_settings(
        SECRET_KEY="a-real-secret-" + "x" * 40, DATABASE_URL=PG_URL + "?pool=true"
    )

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["False", "django.db.backends.postgresql", "False"]


def test_debug_on_runs_with_the_development_defaults():
    loaded = load_settings(DEBUG="True", SECRET_KEY="", DATABASE_URL="")

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["True", "django.db.backends.sqlite3", "True"]


def test_a_build_step_loads_without_secret_or_database_and_has_no_database():
    loaded = load_settings(BUILD_STEP="True", SECRET_KEY="", DATABASE_URL="")

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["False", "django.db.backends.dummy", "False"]
