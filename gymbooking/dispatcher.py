"""The Django event dispatcher: the book's registry, with handlers fired after commit.

Each (event, handler) pair is a separate `transaction.on_commit` callback with its arguments
bound now (no closure over a loop variable), `robust=True` so one failing handler does not
stop the others, and its own transaction so a handler's writes commit or roll back whole.
Nothing fires when the dispatching transaction rolls back.
"""

import logging
from functools import partial

from django.db import transaction

from application.event_dispatcher import InMemoryEventDispatcher, Subscription
from domain.events import DomainEvent

logger = logging.getLogger(__name__)


class OnCommitEventDispatcher(InMemoryEventDispatcher):
    def deliver(self, event: DomainEvent, subscription: Subscription) -> None:
        transaction.on_commit(partial(run_delivery, event, subscription), robust=True)


def run_delivery(event: DomainEvent, subscription: Subscription) -> None:
    """Run one handler for one event in a transaction of its own."""
    try:
        with transaction.atomic():
            subscription.handler(event)
    except Exception:
        logger.exception(
            "%s failed on %s %s", subscription.name, type(event).__name__, event.event_id
        )
        raise
