"""How long the event log and its deliveries are kept (`manage.py prune_history`).

- A delivered delivery is kept GYM_DELIVERY_RETENTION_DAYS after its delivery: long enough
  to see in admin what ran and when; after that it is only a row that says "done".
- An event is kept GYM_EVENT_RETENTION_DAYS after it occurred: it is the gym's audit trail,
  and the staff reports' waitlist figures (joined, promoted) are counted from it, so a report
  on days older than that shows no waitlist demand (bookings and classes are never pruned).
  An event with a delivery that is still pending, failed or dead is never pruned, however
  old: its work is not done, and staff may still retry it. Its delivered deliveries go with
  it (they are older than the event, so already past their own retention unless
  GYM_DELIVERY_RETENTION_DAYS is the longer of the two).

Deletes run in batches of BATCH_SIZE rows, one short transaction each, oldest first, so a
prune of millions of rows never holds its locks for long and an interrupted prune keeps what
it did. Every query is bounded by an index: deliveries by their primary key (ids grow with
time, and the oldest delivered rows come first), events by `occurred_at`.
"""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from events.models import Delivery, StoredEvent

BATCH_SIZE = 5_000
# A delivery in one of these still has work to do (or staff may retry it): its event stays.
UNFINISHED = (Delivery.Status.PENDING, Delivery.Status.FAILED, Delivery.Status.DEAD)


@dataclass(frozen=True)
class Cutoffs:
    """What is old enough to go, at one moment."""

    deliveries: datetime  # delivered before this
    events: datetime  # occurred before this

    @classmethod
    def at(cls, now: datetime) -> "Cutoffs":
        return cls(
            deliveries=now - timedelta(days=settings.GYM_DELIVERY_RETENTION_DAYS),
            events=now - timedelta(days=settings.GYM_EVENT_RETENTION_DAYS),
        )


# Done deliveries, kept `GYM_DELIVERY_RETENTION_DAYS` after they were settled (`delivered_at`).
SETTLED = (Delivery.Status.DELIVERED, Delivery.Status.SUPERSEDED)


def prunable_deliveries(cutoffs: Cutoffs) -> QuerySet[Delivery]:
    return Delivery.objects.filter(status__in=SETTLED, delivered_at__lt=cutoffs.deliveries)


def prunable_events(cutoffs: Cutoffs) -> QuerySet[StoredEvent]:
    unfinished = Delivery.objects.filter(event=OuterRef("pk"), status__in=UNFINISHED)
    return StoredEvent.objects.filter(occurred_at__lt=cutoffs.events).filter(~Exists(unfinished))


def prune_deliveries(cutoffs: Cutoffs, *, batch_size: int = BATCH_SIZE, progress=None) -> int:
    """Delete the settled (delivered or superseded) deliveries past their retention; how many
    went."""

    def one_batch() -> tuple[int, int]:
        ids = list(
            prunable_deliveries(cutoffs).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0, 0
        # Checked again in the delete itself: nothing but a settled, old row ever goes.
        deleted, _ = prunable_deliveries(cutoffs).filter(pk__in=ids).delete()
        return len(ids), deleted

    return _in_batches(one_batch, batch_size, progress)


def prune_events(cutoffs: Cutoffs, *, batch_size: int = BATCH_SIZE, progress=None) -> int:
    """Delete the events past their retention whose deliveries are all done, with those
    deliveries; how many events went.

    No lock is needed: a delivery that is done never becomes undone (a retry only takes
    failed and dead ones), and an old event gets no new deliveries, so an event found
    prunable stays prunable. The delete checks it again all the same.
    """

    def one_batch() -> tuple[int, int]:
        ids = list(
            prunable_events(cutoffs)
            .order_by("occurred_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0, 0
        Delivery.objects.filter(event_id__in=ids).exclude(status__in=UNFINISHED).delete()
        _, by_model = prunable_events(cutoffs).filter(pk__in=ids).only("pk").delete()
        return len(ids), by_model.get(StoredEvent._meta.label, 0)

    return _in_batches(one_batch, batch_size, progress)


def prune_sessions(now: datetime, *, batch_size: int = BATCH_SIZE) -> int | None:
    """Delete the expired sessions (`clearsessions`); how many, or None where the session
    engine does not say (it clears them itself, or cannot: signed cookies)."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    if issubclass(store, DatabaseSessionStore):
        model = store.get_model_class()

        def one_batch() -> tuple[int, int]:
            expired = model.objects.filter(expire_date__lt=now)
            ids = list(expired.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return 0, 0
            deleted, _ = expired.filter(pk__in=ids).delete()
            return len(ids), deleted

        return _in_batches(one_batch, batch_size, None)
    with suppress(NotImplementedError):
        store.clear_expired()
    return None


def _in_batches(one_batch: Callable[[], tuple[int, int]], batch_size: int, progress) -> int:
    """Run `one_batch` (which returns how many rows it found and how many it deleted), each
    in a transaction of its own, until a batch finds fewer than `batch_size` rows."""
    total = 0
    while True:
        with transaction.atomic():
            found, deleted = one_batch()
        total += deleted
        if progress is not None and deleted:
            progress(deleted)
        if found < batch_size:
            return total
