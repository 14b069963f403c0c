"""Workers and periodic jobs report that they are alive and how their last run went.

Both functions are safe to call from anywhere: a database error is logged and swallowed (a
worker must never stop because its heartbeat could not be written), and the write happens in
a savepoint, so a failure does not break a transaction the caller is in.

`beat` may be called on every turn of a worker's loop: it writes at most once every
`GYM_HEARTBEAT_INTERVAL_SECONDS` per worker name and process.
"""

import logging
import os
import socket
import time

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from ops.models import JobRun, WorkerHeartbeat

logger = logging.getLogger(__name__)

# worker name -> time.monotonic() of this process's last write
_last_beat: dict[str, float] = {}


def worker_name(role: str = "process_events") -> str:
    """A stable name for a worker on this machine: `process_events@web-1`.

    Stable across restarts (no process id), so a restarted worker updates its own row instead
    of leaving a stale one behind. Set GYM_WORKER_NAME to tell several workers on one machine
    apart.
    """
    return os.environ.get("GYM_WORKER_NAME") or f"{role}@{socket.gethostname()}"


def beat(worker: str, *, force: bool = False) -> bool:
    """Record that `worker` is alive now. True if a heartbeat was written."""
    interval = settings.GYM_HEARTBEAT_INTERVAL_SECONDS
    now_monotonic = time.monotonic()
    last = _last_beat.get(worker)
    if not force and last is not None and now_monotonic - last < interval:
        return False
    try:
        _upsert(WorkerHeartbeat, {"name": worker}, {"beat_at": timezone.now()})
    except DatabaseError:
        logger.warning("Could not record the heartbeat of %s", worker, exc_info=True)
        return False
    _last_beat[worker] = now_monotonic
    return True


def record_job_run(job: str, succeeded: bool) -> None:
    """Record that a run of `job` has just succeeded (or failed)."""
    field = "succeeded_at" if succeeded else "failed_at"
    try:
        _upsert(JobRun, {"job": job}, {field: timezone.now()})
    except DatabaseError:
        logger.warning("Could not record the run of %s", job, exc_info=True)


def _upsert(model, key: dict, values: dict) -> None:
    """UPDATE the row, or INSERT it the first time (a concurrent first insert wins and the
    UPDATE is repeated), each in a savepoint."""
    with transaction.atomic():
        if model.objects.filter(**key).update(**values):
            return
    try:
        with transaction.atomic():
            model.objects.create(**key, **values)
    except IntegrityError:
        with transaction.atomic():
            model.objects.filter(**key).update(**values)
