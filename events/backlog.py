"""What is due now, per queue and handler: what `process_events --dry-run` reports, read
through the `delivery_due_in_queue` index without locking or running anything."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

from application.event_dispatcher import DeliveryQueue
from events.dispatcher import DUE
from events.models import Delivery


@dataclass(frozen=True)
class DueWork:
    """The deliveries of one handler in one queue that a worker would run now."""

    queue: str
    handler: str
    count: int
    due_since: datetime


def due_now(queues: Iterable[DeliveryQueue], now: datetime) -> list[DueWork]:
    """Due deliveries of `queues` (in that order), each queue's handlers longest-waiting
    first."""
    work: list[DueWork] = []
    for queue in queues:
        rows = (
            Delivery.objects.filter(queue=queue, status__in=DUE, next_attempt_at__lte=now)
            .values_list("handler")
            .annotate(count=Count("id"), due_since=Min("next_attempt_at"))
            .order_by("due_since", "handler")
        )
        work.extend(DueWork(queue.value, handler, count, since) for handler, count, since in rows)
    return work
