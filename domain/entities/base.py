"""What every entity is: it records domain events until a use case takes them, in the
order they happened across entities."""

import itertools

from domain.events import (
    DomainEvent,
)

# be put back in the order in which they happened.
_recording_order = itertools.count()


class Entity:
    """Collects the domain events an entity records until the use case dispatches them."""

    def __init__(self) -> None:
        self._domain_events: list[tuple[int, DomainEvent]] = []

    def _record(self, event: DomainEvent) -> None:
        self._domain_events.append((next(_recording_order), event))

    def get_domain_events(self) -> list[DomainEvent]:
        """All events recorded since the last clear (a copy)."""
        return [event for _, event in self._domain_events]

    def clear_domain_events(self) -> None:
        self._domain_events.clear()

    def take_domain_events(self) -> list[tuple[int, DomainEvent]]:
        """The recorded events with their places in the order of recording, then clear."""
        taken, self._domain_events = self._domain_events, []
        return taken
