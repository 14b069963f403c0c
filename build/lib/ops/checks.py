"""gymbooking's own readiness checks, as django-health-check plugins (beside its `Database`).

Each runs in the request's thread and on the request's database connection (see
`ops.views.ready`), so a probe costs no extra connection and sees what the site sees.
"""

import dataclasses
import threading
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from events.models import Delivery


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """Every migration on disk has been applied to the database.

    Building the migration graph reads every migration file, so once this process has seen
    them all applied it says so without looking again (the code on disk cannot change under a
    running process; a new release is a new process). Until then it looks on every probe, so
    an instance becomes ready as soon as `migrate` has run.
    """

    alias: str = DEFAULT_DB_ALIAS

    _all_applied: ClassVar[set[str]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def run(self) -> None:
        if self.alias in self._all_applied:
            return
        try:
            executor = MigrationExecutor(connections[self.alias])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            raise ServiceUnavailable("cannot read the applied migrations") from error
        if plan:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:3])
            more = f" and {len(plan) - 3} more" if len(plan) > 3 else ""
            raise ServiceUnavailable(f"{len(plan)} unapplied: {names}{more}")
        with self._lock:
            self._all_applied.add(self.alias)

    @classmethod
    def forget(cls) -> None:
        """Look again on the next probe (tests)."""
        with cls._lock:
            cls._all_applied.clear()


def oldest_due_delivery_age(now=None) -> timedelta | None:
    """How long the longest-waiting due delivery has been due, or None if none is due.

    One read of the partial `delivery_due` index (pending and failed rows only), however many
    delivered rows the table holds.
    """
    now = now or timezone.now()
    oldest = (
        Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "id")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if oldest is None else now - oldest


@dataclasses.dataclass
class DeliveriesOnTime(HealthCheck):
    """No delivery has been due for longer than GYM_READY_MAX_DELIVERY_LAG_SECONDS (the
    workers are keeping up). 0 turns the check off."""

    def run(self) -> None:
        limit = settings.GYM_READY_MAX_DELIVERY_LAG_SECONDS
        if not limit:
            return
        try:
            age = oldest_due_delivery_age()
        except DatabaseError as error:
            raise ServiceUnavailable("cannot read the deliveries") from error
        if age is not None and age.total_seconds() > limit:
            raise ServiceUnavailable(
                f"a delivery has been due for {age.total_seconds():.0f} s (limit {limit} s)"
            )
