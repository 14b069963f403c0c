"""Prometheus metrics: what requests cost (counted by `RequestMetricsMiddleware`, in this
process) and what the database says about the background work (read at scrape time by
`DatabaseCollector`).

Under a server with several worker processes (gunicorn -w N) each process counts its own
requests, and a scrape reaches one of them. Set PROMETHEUS_MULTIPROC_DIR to an empty directory
that every worker can write (wiped at each start of the server) and prometheus-client keeps
the counts in files there; `/metrics` then adds up every process's files
(`prometheus_client.multiprocess`). The database gauges are read once per scrape either way.
"""

import logging
import os
from collections.abc import Iterable, Iterator

from django.db import DatabaseError
from django.db.models import Count
from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from events.models import Delivery
from ops.checks import oldest_due_delivery_age
from ops.models import JobRun, WorkerHeartbeat

logger = logging.getLogger(__name__)

PREFIX = "gymbooking"

# No `*_created` series beside every counter and histogram: they double the output and no
# alert or graph here reads them.
disable_created_metrics()

# --- Requests (per process, or per server in multiprocess mode) ------------------------------

REQUESTS = Counter(
    f"{PREFIX}_http_requests",
    "HTTP requests answered, by view name, method and status code.",
    ["view", "method", "status"],
)
REQUEST_DURATION = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer an HTTP request, by view name, method and status code.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# Methods outside this set are counted as "other", so a client cannot add label values.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    labels = (view, method, str(status))
    REQUESTS.labels(*labels).inc()
    REQUEST_DURATION.labels(*labels).observe(seconds)


# --- The background work, read from the database at scrape time --------------------------------

DUE_STATUSES = (Delivery.Status.PENDING, Delivery.Status.FAILED)


class DatabaseCollector(Collector):
    """Deliveries waiting, given up or superseded, how late the oldest due one is, worker
    heartbeats and periodic job runs: six small queries per scrape.

    Pending and failed deliveries are counted through the partial `delivery_due` index (the
    delivered rows, nearly all of the table, are never read). Dead ones have no index of their
    own yet, so counting them reads the whole table (53 ms of a 69 ms scrape at 400,000
    deliveries on PostgreSQL; 6 ms in all with a partial index on `handler` WHERE
    status = 'dead', which belongs in the events app's migrations). When the database cannot
    be read the scrape still answers, with `gymbooking_metrics_database_up 0`. Superseded
    ones are counted through their own partial index (`delivery_superseded`).
    """

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            f"{PREFIX}_metrics_database_up",
            "1 if the database gauges below could be read in this scrape, else 0.",
        )
        try:
            families = list(self._families())
        except DatabaseError:
            logger.warning("Metrics: could not read the database", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterable[Metric]:
        now = timezone.now()

        deliveries = GaugeMetricFamily(
            f"{PREFIX}_deliveries",
            "Deliveries not delivered, by handler and status: pending, failed, dead, and "
            "superseded (settled unsent: no longer true when due; kept until pruned).",
            labels=["handler", "status"],
        )
        due = (
            Delivery.objects.filter(status__in=DUE_STATUSES)
            .values_list("handler", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        dead, superseded = (
            Delivery.objects.filter(status=status)
            .values_list("handler", "status")
            .annotate(n=Count("id"))
            .order_by()
            for status in (Delivery.Status.DEAD, Delivery.Status.SUPERSEDED)
        )
        for handler, status, n in [*due, *dead, *superseded]:
            deliveries.add_metric([handler, status], n)

        oldest = GaugeMetricFamily(
            f"{PREFIX}_delivery_oldest_due_age_seconds",
            "How long the longest-waiting due delivery has been due (0 when none is due).",
        )
        age = oldest_due_delivery_age(now)
        oldest.add_metric([], max(age.total_seconds(), 0.0) if age is not None else 0.0)

        heartbeats = GaugeMetricFamily(
            f"{PREFIX}_worker_heartbeat_age_seconds",
            "Seconds since each worker's last heartbeat.",
            labels=["worker"],
        )
        for name, beat_at in WorkerHeartbeat.objects.values_list("name", "beat_at"):
            heartbeats.add_metric([name], max((now - beat_at).total_seconds(), 0.0))

        succeeded = GaugeMetricFamily(
            f"{PREFIX}_job_last_success_timestamp_seconds",
            "When each periodic job last succeeded (Unix time).",
            labels=["job"],
        )
        failed = GaugeMetricFamily(
            f"{PREFIX}_job_last_failure_timestamp_seconds",
            "When each periodic job last failed (Unix time).",
            labels=["job"],
        )
        for job, succeeded_at, failed_at in JobRun.objects.values_list(
            "job", "succeeded_at", "failed_at"
        ):
            if succeeded_at is not None:
                succeeded.add_metric([job], succeeded_at.timestamp())
            if failed_at is not None:
                failed.add_metric([job], failed_at.timestamp())

        return [deliveries, oldest, heartbeats, succeeded, failed]


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Exposition:
    """What one scrape reads: this process's metrics (or, in multiprocess mode, every
    process's files) and the database collector."""

    def __init__(self, *collectors) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def scrape_registry() -> _Exposition:
    if multiprocess_dir():
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        return _Exposition(processes, DatabaseCollector())
    return _Exposition(REGISTRY, DatabaseCollector())
