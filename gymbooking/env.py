"""The parts of the settings that are worth a function of their own: reading the environment
into the database settings, and refusing to start production half-configured.

Only `gymbooking/settings.py` imports this module. Each function takes the environment as an
`environ.Env` (or a plain mapping, for `require_production_settings`) and returns plain
settings, so the tests call them directly with the variables they mean.
"""

from collections.abc import Mapping
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from gymbooking.pool import check_pooled_connection

POSTGRESQL = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
# Django's backend that raises on any use: a build step that needs no database gets it.
NO_DATABASE = "django.db.backends.dummy"

# Connections kept open per process by the pool, and the most it opens. Size the maximum to
# gunicorn's threads per worker (deploy/gunicorn.conf.py): every thread may hold one.
DEFAULT_POOL_MIN_SIZE = 2
DEFAULT_POOL_MAX_SIZE = 10
# Seconds a request waits for a free connection before failing (psycopg_pool.PoolTimeout).
DEFAULT_POOL_TIMEOUT = 10.0

TRUE_WORDS = {"true", "on", "yes", "1"}
FALSE_WORDS = {"false", "off", "no", "0", ""}


def database_settings(env: environ.Env, *, default_url: str) -> dict[str, Any]:
    """`DATABASES["default"]` from `DATABASE_URL` and the pool and connection variables.

    PostgreSQL: `CONN_MAX_AGE` (persistent connections, seconds) or the connection pool
    (`DATABASE_POOL=True` or `?pool=true` in the URL, sized by `DATABASE_POOL_MIN_SIZE`,
    `DATABASE_POOL_MAX_SIZE`, `DATABASE_POOL_TIMEOUT`), never both; connections are checked
    before reuse (`CONN_HEALTH_CHECKS`). SQLite: WAL, `BEGIN IMMEDIATE` and a busy timeout.
    """
    url = env.str("DATABASE_URL", default="").strip() or default_url  # set but empty: unset
    database = env.db_url_config(url)
    options = dict(database.get("OPTIONS", {}))
    url_pool = options.pop("pool", None)
    pool = _pool_requested(env, url_pool)
    engine = database["ENGINE"]

    if engine == SQLITE:
        if pool:
            raise ImproperlyConfigured(
                "DATABASE_POOL is for PostgreSQL only; SQLite opens its file per connection. "
                "Unset DATABASE_POOL (and ?pool= in DATABASE_URL)."
            )
        # SQLite ignores row locks (select_for_update), so writers must queue instead: WAL
        # lets readers work beside one writer, IMMEDIATE takes the write lock when a
        # transaction begins, and the busy timeout makes the next writer wait for it.
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            **options,
        }
        return database

    if engine == POSTGRESQL:
        conn_max_age = _conn_max_age(env, database)
        if pool and conn_max_age:
            raise ImproperlyConfigured(
                "DATABASE_POOL and CONN_MAX_AGE are alternatives: the pool keeps connections "
                f"open itself, and Django requires CONN_MAX_AGE=0 with it (it is "
                f"{conn_max_age}). Unset CONN_MAX_AGE, or turn the pool off."
            )
        database["CONN_MAX_AGE"] = conn_max_age
        # No JIT compilation: it starts once a plan's estimated cost passes jit_above_cost,
        # and compiling takes tens of milliseconds for queries that run in one (check-in's
        # page of counts was 29 ms instead of 8). Options given in the URL come after, so win.
        options["options"] = f"-c jit=off {options.get('options', '')}".strip()
        if pool:
            # Checked before each loan by a poll of its socket (gymbooking/pool.py), not by
            # psycopg_pool's round trip per request.
            options["pool"] = {**pool_options(env), "check": check_pooled_connection}
        database["OPTIONS"] = options
    elif pool:
        raise ImproperlyConfigured(f"DATABASE_POOL is for PostgreSQL only, not {engine}.")
    else:
        database["OPTIONS"] = options

    # A connection kept across requests (CONN_MAX_AGE) is checked before it is reused, so a
    # database restart costs no failed request.
    database["CONN_HEALTH_CHECKS"] = True
    return database


def pool_options(env: environ.Env) -> dict[str, Any]:
    """psycopg_pool.ConnectionPool's sizes from the environment, checked."""
    min_size = env.int("DATABASE_POOL_MIN_SIZE", default=DEFAULT_POOL_MIN_SIZE)
    max_size = env.int("DATABASE_POOL_MAX_SIZE", default=max(DEFAULT_POOL_MAX_SIZE, min_size))
    timeout = env.float("DATABASE_POOL_TIMEOUT", default=DEFAULT_POOL_TIMEOUT)
    if min_size < 0:
        raise ImproperlyConfigured("DATABASE_POOL_MIN_SIZE must not be negative.")
    if max_size < 1 or max_size < min_size:
        raise ImproperlyConfigured(
            f"DATABASE_POOL_MAX_SIZE ({max_size}) must be at least 1 and at least "
            f"DATABASE_POOL_MIN_SIZE ({min_size})."
        )
    if timeout <= 0:
        raise ImproperlyConfigured("DATABASE_POOL_TIMEOUT must be a positive number of seconds.")
    return {"min_size": min_size, "max_size": max_size, "timeout": timeout}


def _pool_requested(env: environ.Env, url_pool: Any) -> bool:
    """`DATABASE_POOL` if set, else the URL's `?pool=` (which django-environ leaves a string
    and Django would take for the pool's options)."""
    if "DATABASE_POOL" in env.ENVIRON:
        return env.bool("DATABASE_POOL")
    if url_pool is None:
        return False
    word = str(url_pool).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"DATABASE_URL's ?pool= must be true or false, not {url_pool!r}; size the pool with "
        "DATABASE_POOL_MIN_SIZE, DATABASE_POOL_MAX_SIZE and DATABASE_POOL_TIMEOUT."
    )


def _conn_max_age(env: environ.Env, database: Mapping[str, Any]) -> int:
    """`CONN_MAX_AGE` from the environment, else from the URL's `?conn_max_age=`, else 0."""
    if "CONN_MAX_AGE" in env.ENVIRON:
        value = env.int("CONN_MAX_AGE")
    else:
        value = database.get("CONN_MAX_AGE") or 0
    if value is None:  # Django's "forever"
        return value
    return int(value)


def require_production_settings(environ_: Mapping[str, str], *, debug: bool, build: bool) -> None:
    """With DEBUG off, refuse to start without the settings production cannot guess.

    A build step (`BUILD_STEP=True`: `collectstatic`, `check --deploy` while building an
    image) needs neither a secret nor a database, and is let through.
    """
    if debug or build:
        return
    missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not environ_.get(name)]
    if missing:
        raise ImproperlyConfigured(
            f"DEBUG is off (production) but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set. Set "
            + ", ".join(f"{name}=..." for name in missing)
            + " in the environment (see deploy/gymbooking.env.example), or DEBUG=True for "
            "development on this machine. A build step that needs no database "
            "(collectstatic) can set BUILD_STEP=True instead."
        )
