"""The durable event dispatcher: the book's registry, made so that nothing is lost.

`dispatch` writes each event to the event log and one delivery row per subscribed handler,
inside the transaction of the change that caused them (so a rollback leaves no trace).
After commit each delivery runs in a transaction of its own: the handler's writes and the
delivery's "delivered" mark commit together, so a delivery is applied once. A failing handler
is recorded and retried later with backoff, without stopping the other handlers; after
`max_attempts` it is dead (visible in admin, retryable from there). A handler that finds its
work no longer wanted (`DeliverySuperseded`: a notice that stopped being true) settles its
delivery as superseded, with the reason: done, never retried. Deliveries the process
never got to (it died after commit) are picked up by `manage.py process_events`.

Every delivery belongs to its handler's queue (`DeliveryQueue`). Only the fast queue (work in
the database: promotion, in-app notices) may run in the committing process; the mail queue
(e-mail and other slow channels outside the database) is left to the workers from the start,
in every delivery mode, so a member's request never waits for a mail server. Workers take a
queue's deliveries oldest first, and a worker of several queues empties the fast one first.
"""

import logging
import random
import traceback
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from application.event_dispatcher import (
    DeliveryQueue,
    DeliverySuperseded,
    InMemoryEventDispatcher,
    Subscription,
)
from domain.events import DomainEvent
from events import registry, sql
from events.actors import Actor, acting_as, current_actor
from events.handler_savepoint import handler_savepoint
from events.models import Delivery, StoredEvent
from ops.logcontext import log_context

logger = logging.getLogger(__name__)

Status = Delivery.Status
DUE = (Status.PENDING, Status.FAILED)
# The queues whose deliveries may run in the committing process, right after its commit.
INLINE_QUEUES = frozenset({DeliveryQueue.FAST})


class DurableEventDispatcher(InMemoryEventDispatcher):
    """Records events and deliveries; delivers the fast ones after commit (`inline`) or leaves
    them to the workers (`worker`); the others are always the workers'."""

    def __init__(
        self,
        *,
        inline: bool = True,
        max_attempts: int = 8,
        retry_base: timedelta = timedelta(seconds=30),
        worker_grace: timedelta = timedelta(minutes=1),
    ) -> None:
        super().__init__()
        self.inline = inline
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.worker_grace = worker_grace

    # --- Recording -------------------------------------------------------------------------

    def dispatch(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        now = timezone.now()
        actor = current_actor()
        # One statement however many events (two on SQLite): written as SQL (`events.sql`),
        # as building them through the ORM cost more than running them.
        deliveries = sql.insert_both(
            StoredEvent,
            [_stored(event, actor, now) for event in events],
            Delivery,
            [
                {
                    "event_id": event.event_id,
                    "handler": s.name,
                    "queue": str(s.queue),
                    "status": Status.PENDING,
                    "attempts": 0,
                    "next_attempt_at": self._first_attempt(s.queue, now),
                    "last_error": "",
                    "created_at": now,
                    "superseded_reason": "",
                }
                for event in events
                for s in self.subscriptions_for(event)
            ],
            returning="id, queue",
        )
        ids = [pk for pk, queue in deliveries if self._runs_inline(queue)]
        if ids:
            transaction.on_commit(partial(self.deliver_each, ids), robust=True)

    def _runs_inline(self, queue: str) -> bool:
        return self.inline and queue in INLINE_QUEUES

    def _first_attempt(self, queue: str, now: datetime) -> datetime:
        """When workers may first take a delivery: at once, unless the committing process
        is to run it (then only if it died before it could, after the grace period)."""
        return now + self.worker_grace if self._runs_inline(queue) else now

    # --- Delivering ------------------------------------------------------------------------

    def deliver_each(self, delivery_ids: list[int]) -> None:
        for delivery_id in delivery_ids:
            self.deliver_by_id(delivery_id)

    def deliver_by_id(self, delivery_id: int) -> bool:
        """Run this delivery if it is still due (not delivered, not held by another worker).

        The committing process runs its fast deliveries this way right after each commit, so
        the delivery is taken by SQL written once (`_due_by_id`), not through the ORM."""
        return self._deliver_first(partial(_due_by_id, delivery_id))

    def deliver_next_due(self, queues: Iterable[str] | None = None) -> bool:
        """Deliver the due delivery that has waited longest in the first of `queues` (every
        queue, fast first, by default) that has one; False when none is due."""
        for queue in DeliveryQueue if queues is None else queues:
            if self._deliver_first(partial(_oldest_due, queue=queue)):
                return True
        return False

    def _deliver_first(self, take: Callable[[], Delivery | None]) -> bool:
        """Run the due delivery `take` locks and returns (with its event); True if there was
        one to run.

        The row is locked (skipping rows another worker holds) from the moment it is taken
        until its outcome, success or failure, commits, and only due deliveries are taken,
        so no delivery ever runs twice at once or after success. The handler runs in a
        savepoint: when it fails, its writes roll back while the row stays locked until the
        failure is recorded (no other worker can slip in and run it again meanwhile).
        """
        with transaction.atomic():
            delivery = take()
            if delivery is None:
                return False
            attempts = delivery.attempts + 1
            with log_context(event_id=str(delivery.event_id), handler=delivery.handler):
                try:
                    with transaction.atomic():
                        event = restore(delivery.event)
                        handler = self.subscription(type(event), delivery.handler).handler
                        with acting_as(Actor.system(delivery.handler)), handler_savepoint():
                            handler(event)
                        sql.update(
                            Delivery,
                            delivery.pk,
                            status=Status.DELIVERED,
                            attempts=attempts,
                            delivered_at=timezone.now(),
                            last_error="",
                        )
                except DeliverySuperseded as superseded:
                    self._record_superseded(delivery, attempts, superseded.reason)
                except Exception:
                    self._record_failure(delivery, attempts, traceback.format_exc())
        return True

    def _record_superseded(self, delivery: Delivery, attempts: int, reason: str) -> None:
        """Settle the (still locked) row: no longer wanted, never retried, never dead."""
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Status.SUPERSEDED,
            attempts=attempts,
            delivered_at=timezone.now(),
            superseded_reason=reason[:300],
            last_error="",
        )
        logger.info(
            "%s superseded on %s %s: %s",
            delivery.handler,
            delivery.event.type,
            delivery.event_id,
            reason,
        )

    def subscription(self, event_type: type[DomainEvent], name: str) -> Subscription:
        for subscription in self._subscriptions:
            if subscription.event_type is event_type and subscription.name == name:
                return subscription
        raise LookupError(f"No handler named {name} is registered for {event_type.__name__}.")

    def _record_failure(self, delivery: Delivery, attempts: int, error: str) -> None:
        """Record the failed attempt on the (still locked) row: retry later, or give up. Only
        what changes is written (the row was taken with the columns running it needs)."""
        fields: dict[str, object] = {"attempts": attempts, "last_error": error[-4000:]}
        if attempts >= self.max_attempts:
            fields["status"] = Status.DEAD
        else:
            fields["status"] = Status.FAILED
            fields["next_attempt_at"] = timezone.now() + self.backoff(attempts)
        sql.update(Delivery, delivery.pk, **fields)
        logger.error(
            "%s failed on %s %s (attempt %s, %s): %s",
            delivery.handler,
            delivery.event.type,
            delivery.event_id,
            attempts,
            fields["status"],
            error.strip().splitlines()[-1],
        )

    def backoff(self, attempts: int) -> timedelta:
        """Exponential (base * 2^(n-1), at most a day) with ±50 % jitter, so retries of many
        deliveries that failed together spread out."""
        delay = min(self.retry_base * 2 ** (attempts - 1), timedelta(days=1))
        return delay * random.uniform(0.5, 1.5)


# A due delivery with its event: the event's columns and the delivery's own, the delivery
# row locked (`{lock}`: `TAKE_LOCK`).
# Skipping rows another worker holds. `OF d` locks the delivery row only, not its event
# (shared with sibling deliveries that other workers may be running).
TAKE_LOCK = " FOR UPDATE OF d SKIP LOCKED"
TAKE_DUE = (
    "SELECT e.id, e.type, e.schema_version, e.payload, e.occurred_at, d.id AS delivery_id,"
    " d.handler AS delivery_handler, d.attempts AS delivery_attempts FROM events_delivery d"
    " JOIN events_storedevent e ON e.id = d.event_id"
    " WHERE d.status IN (%s, %s) AND {which}{lock}"
)
DUE_BY_ID = TAKE_DUE.format(which="d.id = %s", lock="{lock}")
# The queue's due delivery that has waited longest (the `delivery_due_in_queue` index).
OLDEST_DUE = TAKE_DUE.format(
    which="d.queue = %s AND d.next_attempt_at <= %s ORDER BY d.next_attempt_at, d.id LIMIT 1",
    lock="{lock}",
)


def _oldest_due(*, queue: str) -> Delivery | None:
    """The queue's due delivery that has waited longest, locked; None if there is none (or
    every one is held by another worker)."""
    now = sql.values(Delivery, next_attempt_at=timezone.now())
    return _taken(OLDEST_DUE, [queue, *now])


def _due_by_id(delivery_id: int) -> Delivery | None:
    """This delivery with its event if it is due, locked; None if it is not (done, or held
    by another worker)."""
    return _taken(DUE_BY_ID, [delivery_id])


def _taken(query: str, params: list[object]) -> Delivery | None:
    """The delivery the query finds, locked, with its event; written as SQL, as the ORM's
    query builder cost more than the statement (a worker takes one per delivery)."""
    lock = TAKE_LOCK if connection.features.has_select_for_update_skip_locked else ""
    statuses = [status.value for status in DUE]
    for row in sql.select(StoredEvent, query.format(lock=lock), [*statuses, *params]):
        event = StoredEvent(
            id=row.id,
            type=row.type,
            schema_version=row.schema_version,
            payload=row.payload,
            occurred_at=row.occurred_at,
        )
        return Delivery(
            id=row.delivery_id,
            event=event,
            handler=row.delivery_handler,
            attempts=row.delivery_attempts,
        )
    return None


def _stored(event: DomainEvent, actor: Actor, now: datetime) -> dict[str, object]:
    """The event log row of `event`."""
    payload = registry.to_payload(event)
    return {
        "id": event.event_id,
        "type": registry.type_name(event),
        "schema_version": registry.SCHEMA_VERSION,
        "payload": payload,
        "occurred_at": event.occurred_at,
        "recorded_at": now,
        "actor_kind": actor.kind,
        "actor_user_id": actor.user_id,
        "actor_label": actor.label,
        "class_id": payload.get("class_id"),
        "member_id": payload.get("member_id"),
    }


def restore(stored: StoredEvent) -> DomainEvent:
    return registry.restore(
        stored.type,
        stored.schema_version,
        stored.payload,
        event_id=str(stored.id),
        occurred_at=stored.occurred_at,
    )


def retry_now(deliveries: QuerySet[Delivery], now: datetime | None = None) -> int:
    """Make failed or dead deliveries due again (staff's "retry now"); returns how many."""
    return deliveries.filter(status__in=(Status.FAILED, Status.DEAD)).update(
        status=Status.FAILED, next_attempt_at=now or timezone.now()
    )
