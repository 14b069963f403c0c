"""The book's in-process dispatcher: handlers registered per event type, called in order.

It is also the base of the Django dispatcher, which keeps the registry and changes only
*when* a handler runs (after commit). Every subscription has a stable name so that later a
delivery can be recorded per (event, handler), and a queue that says which workers run it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.events import DomainEvent

Handler = Callable[[DomainEvent], None]


class DeliverySuperseded(Exception):
    """Raised by a handler whose work is no longer wanted (what it would say stopped being
    true since the event): the delivery is settled as superseded, with `reason`, never
    retried. Anything the handler wrote is undone, as for a failure."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryQueue(StrEnum):
    """Which workers run a handler's deliveries, listed in the order a worker of every queue
    takes them (so a promotion never waits behind e-mail)."""

    # Work inside the database (a promotion, an in-app notice): short, and may run in the
    # committing process right after its commit.
    FAST = "fast"
    # Slow channels outside the database (SMTP): only ever run by workers, never on a
    # member's request.
    MAIL = "mail"


@dataclass(frozen=True)
class Subscription:
    event_type: type[DomainEvent]
    handler: Handler
    name: str
    queue: DeliveryQueue = DeliveryQueue.FAST


def handler_name(handler: Handler) -> str:
    """`WaitlistPromotionHandler.handle` for a bound method, the qualified name otherwise."""
    owner = getattr(handler, "__self__", None)
    if owner is not None:
        return f"{type(owner).__qualname__}.{handler.__name__}"
    return getattr(handler, "__qualname__", repr(handler))


class InMemoryEventDispatcher:
    """Synchronous and fail-fast, as in the book: a handler's exception propagates (a
    superseded delivery is no failure: it is noted in `superseded`)."""

    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        # (event, handler name, reason) of each delivery a handler found superseded.
        self.superseded: list[tuple[DomainEvent, str, str]] = []

    def register(
        self,
        event_type: type[DomainEvent],
        handler: Handler,
        name: str | None = None,
        *,
        queue: DeliveryQueue = DeliveryQueue.FAST,
    ) -> None:
        """Subscribe `handler` to `event_type`; registering the same name twice is an error.

        `queue` matters to the durable dispatcher only (this one runs every handler at once).
        """
        name = name or handler_name(handler)
        if any(s.event_type is event_type and s.name == name for s in self._subscriptions):
            raise ValueError(f"{name} is already registered for {event_type.__name__}")
        self._subscriptions.append(Subscription(event_type, handler, name, DeliveryQueue(queue)))

    def subscriptions_for(self, event: DomainEvent) -> list[Subscription]:
        return [s for s in self._subscriptions if s.event_type is type(event)]

    def dispatch(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            for subscription in self.subscriptions_for(event):
                self.deliver(event, subscription)

    def deliver(self, event: DomainEvent, subscription: Subscription) -> None:
        """Run one handler for one event; subclasses decide when and how. A superseded
        delivery is noted, not raised: it is no failure."""
        try:
            subscription.handler(event)
        except DeliverySuperseded as superseded:
            self.superseded.append((event, subscription.name, superseded.reason))
