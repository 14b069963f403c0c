"""What the benchmarks share: a throwaway database beside the one DATABASE_URL names, created
empty and dropped afterwards, so a benchmark never touches real data."""

import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit


class BenchmarkError(Exception):
    """A result was wrong, or the benchmark cannot run here: the numbers would mean nothing."""


def exit_after(main: Callable[[], int | None]) -> None:
    """Run a benchmark script's `main` and exit with its status: 1, saying why, when a result
    was wrong or it could not run (`BenchmarkError`), or anything else went wrong."""
    try:
        status = main()
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    sys.exit(status or 0)


@contextmanager
def throwaway_database(url: str, name: str, *, postgres_only: bool = False) -> Iterator[str]:
    """The URL of a fresh database called `name` on the server `url` names (PostgreSQL), or
    of a temporary SQLite file (unless `postgres_only`)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        yield from _postgres(parts, name)
    elif parts.scheme.startswith("sqlite") and not postgres_only:
        with tempfile.TemporaryDirectory(prefix="gymbooking-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    elif postgres_only:
        raise BenchmarkError("PostgreSQL only: set DATABASE_URL=postgres://...")
    else:
        raise BenchmarkError(f"Unsupported DATABASE_URL scheme {parts.scheme!r}.")


def _postgres(parts: SplitResult, name: str) -> Iterator[str]:
    import psycopg
    from psycopg import sql

    server = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": parts.username,
        "password": parts.password,
        "dbname": "postgres",
        "autocommit": True,
    }
    database = sql.Identifier(name)
    with psycopg.connect(**server) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(database))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}", query=""))
    finally:
        from django.conf import settings
        from django.db import connections

        if settings.configured:  # not in a parent that runs Django in child processes only
            connections.close_all()
        with psycopg.connect(**server) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
