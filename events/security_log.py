"""The security log's words and its log line: what a security event says in the admin's
"Security log" and on the `gymbooking.security` logger.

One line per event (`SecurityLogLine`, the `SecurityLog` port's adapter): a warning for a
refused attempt, information otherwise. With LOG_FORMAT=json its fields are `security_event`
(the type), `event_id` (its row in the event log), `actor_kind`, `actor` and `actor_id` (who
did it, as the event log says), the event's own fields with the login's id as `login_id`
(`user_id` stays the request's user, as on every line), and the request's `request_id`.
Nothing in an event is secret, so nothing in the line is.
"""

import logging
from typing import Any

from application.security import BY_NAME, SecurityEventType
from domain.events import DomainEvent
from events import registry
from events.actors import current_actor

logger = logging.getLogger("gymbooking.security")
# An event's field as the line names it: `user_id` is the request's user on every line.
LOG_FIELD_NAMES = {"user_id": "login_id"}

FLAGS = {
    "staff": ("staff status given", "staff status taken away"),
    "superuser": ("superuser status given", "superuser status taken away"),
    "active": ("activated", "deactivated"),
}
LISTS = {
    "groups_added": "added to",
    "groups_removed": "removed from",
    "permissions_added": "given",
    "permissions_removed": "no longer given",
}


def describe(type_name: str, payload: dict[str, Any]) -> str:
    """What happened, in a few words: "Sign-in failed (admin)", "Role changed: staff
    status given; added to Manager"."""
    kind = BY_NAME.get(type_name)
    label = kind.label if kind else type_name
    if "entry" in payload:
        return f"{label} ({payload['entry']})"
    if type_name == "PasswordChanged":
        return f"{label} ({'reset link' if payload.get('by_reset') else 'password page'})"
    changes = [FLAGS[name][0 if value else 1] for name, value in _flags(payload)]
    changes += [f"{words} {payload[name]}" for name, words in LISTS.items() if payload.get(name)]
    if payload.get("new_login"):
        changes.insert(0, "new login")
    if "group" in payload:
        label = f"{label} ({payload['group']})"
    return f"{label}: {'; '.join(changes)}" if changes else label


def _flags(payload: dict[str, Any]):
    return [(name, payload[name]) for name in FLAGS if payload.get(name) is not None]


def printable(text: str) -> str:
    """Text fit for one log line: no line breaks or other control characters."""
    return "".join(c if c.isprintable() else "?" for c in text)


class SecurityLogLine:
    """Writes each security event as one line on the `gymbooking.security` logger."""

    def write(self, event: DomainEvent, kind: SecurityEventType) -> None:
        payload = registry.to_payload(event)
        actor = current_actor()
        fields = {LOG_FIELD_NAMES.get(key, key): value for key, value in payload.items()}
        who = payload.get("username") or payload.get("user_id") or ""
        message = describe(kind.name, payload)
        if who:
            message += f": {who}"
        if payload.get("client_ip"):
            message += f" from {payload['client_ip']}"
        logger.log(
            logging.WARNING if kind.warning else logging.INFO,
            printable(message),
            extra={
                **fields,
                "security_event": kind.name,
                "event_id": str(event.event_id),
                "actor_kind": actor.kind,
                "actor": actor.label,
                "actor_id": actor.user_id,
            },
        )
