"""A test-only event type for the worker tests, which own its only handler (registered in
the event registry by the `parcel_events` fixture of this folder's conftest)."""

from dataclasses import dataclass

from domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ParcelArrived(DomainEvent):
    member_id: str
    parcel: int
