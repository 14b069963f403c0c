"""Testing a data migration: the database migrated back to before it, rows made in the
models of then, and migrated forward again."""

from collections.abc import Iterator

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def models_at(targets: list[tuple[str, str]]) -> Apps:
    """The models as they were at `targets` (the database is not touched)."""
    return MigrationExecutor(connection).loader.project_state(targets).apps


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate the database to `targets`; the models as they were then."""
    MigrationExecutor(connection).migrate(targets)
    return models_at(targets)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrated_back(targets: list[tuple[str, str]]) -> Iterator[Apps]:
    """For a fixture: the models as they were at `targets`, on a database migrated back to
    then, and migrated forward again afterwards whatever the test did."""
    apps = migrate(targets)
    try:
        yield apps
    finally:
        migrate(latest())
