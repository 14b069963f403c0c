"""One registry of event types: how a domain event becomes a stored row and back again.

A stored event is its type name, a schema version and a JSON payload of its fields. Restoring
gives the very same frozen dataclass; an unknown type or a payload that no longer fits the
dataclass is an error, never a silent skip.
"""

import dataclasses
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any

from domain import events as domain_events
from domain.events import DomainEvent

SCHEMA_VERSION = 1


class EventRestoreError(Exception):
    """A stored event can no longer be turned back into a domain event."""


def _all_event_types() -> dict[str, type[DomainEvent]]:
    found = {
        name: value
        for name, value in vars(domain_events).items()
        if isinstance(value, type) and issubclass(value, DomainEvent) and value is not DomainEvent
    }
    return dict(sorted(found.items()))


EVENT_TYPES: dict[str, type[DomainEvent]] = _all_event_types()


def type_name(event: DomainEvent) -> str:
    return type(event).__name__


def to_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's own fields as JSON values (datetimes as ISO 8601 strings, tuples as
    lists)."""
    payload = {}
    for field in dataclasses.fields(event):
        if field.name in ("event_id", "occurred_at"):
            continue  # stored in their own columns
        value = getattr(event, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        payload[field.name] = value
    return payload


def restore(
    name: str,
    version: int,
    payload: dict[str, Any],
    *,
    event_id: str,
    occurred_at: datetime,
) -> DomainEvent:
    """The domain event a stored row describes."""
    event_type = EVENT_TYPES.get(name)
    if event_type is None:
        raise EventRestoreError(f"Unknown event type {name!r}.")
    if version != SCHEMA_VERSION:
        raise EventRestoreError(f"{name} has schema version {version}; {SCHEMA_VERSION} is known.")
    hints, fields = _shape(event_type)
    unexpected = payload.keys() - fields
    if unexpected:
        raise EventRestoreError(f"{name} has no field(s) {', '.join(sorted(unexpected))}.")
    try:
        values = {key: _from_json(hints[key], value) for key, value in payload.items()}
        return event_type(event_id=event_id, occurred_at=occurred_at, **values)
    except (TypeError, ValueError) as exc:
        raise EventRestoreError(f"{name} payload does not fit: {exc}") from exc


@cache
def _shape(event_type: type[DomainEvent]) -> tuple[dict[str, Any], frozenset[str]]:
    """The type hints of an event type and the fields of its payload (worked out once: every
    delivery restores an event)."""
    fields = {f.name for f in dataclasses.fields(event_type)} - {"event_id", "occurred_at"}
    return typing.get_type_hints(event_type), frozenset(fields)


def _from_json(hint: Any, value: Any) -> Any:
    """Datetimes come back from their ISO strings, tuples from their lists; everything else
    is stored as it is."""
    if value is None:
        return None
    accepts = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if datetime in accepts:
        return datetime.fromisoformat(value)
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{value!r} is not a list")
        return tuple(value)
    return value
