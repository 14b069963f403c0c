"""What every log line says about where it comes from: the request (its id, the signed-in
user and member) and whatever a caller adds with `log_context` (a delivery's event id and
handler, for instance).

The context lives in context variables, like the actor of `events.actors`, so it follows the
code that runs for a request (on-commit deliveries included) without being passed around.
`ContextFilter`, attached to the log handlers in settings.LOGGING, copies it onto each record,
where the JSON formatter turns it into fields.

This module is loaded while logging is configured, before the apps are ready: it must not
import models.
"""

import logging
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from django.utils.functional import SimpleLazyObject, empty

# The attributes every LogRecord has (and "message"/"asctime", which formatting adds): a
# context field of that name would overwrite them.
RESERVED_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

_fields: ContextVar[Mapping[str, Any]] = ContextVar("log_fields", default=MappingProxyType({}))
_request: ContextVar[Any] = ContextVar("log_request", default=None)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add these fields to every log line written inside the block (nested blocks add to the
    outer ones). For example, around one delivery::

        with log_context(event_id=str(delivery.event_id), handler=delivery.handler):
            ...
    """
    clashes = RESERVED_FIELDS & fields.keys()
    if clashes:
        raise ValueError(f"log_context: {', '.join(sorted(clashes))} would overwrite a log field")
    token = _fields.set(MappingProxyType({**_fields.get(), **fields}))
    try:
        yield
    finally:
        _fields.reset(token)


def current_log_fields() -> Mapping[str, Any]:
    return _fields.get()


# --- Requests -------------------------------------------------------------------------------

# An incoming X-Request-ID is reused only if it looks like an id (a proxy's or a client's
# UUID, hex or base64url token); anything else is replaced, so log lines stay clean.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")


def request_id_from(header: str | None) -> str:
    """The incoming id if it is sane, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


@contextmanager
def request_log_context(request, request_id: str) -> Iterator[None]:
    """The request's id, and its user and member once they are known, on every line."""
    token = _request.set(request)
    try:
        with log_context(request_id=request_id):
            yield
    finally:
        _request.reset(token)


def request_identity(request) -> dict[str, Any]:
    """The signed-in user's id and member id, if the request has already loaded them.

    Never queries: a log line must not cost a query, nor fail because the database did. The
    user is known once anything has looked at `request.user` (every member page and admin
    page does, before they log); the member once `member_required` has set `request.member`.
    """
    identity: dict[str, Any] = {}
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        if user is empty:
            user = None
    if user is not None and getattr(user, "is_authenticated", False):
        identity["user_id"] = user.pk
    member = request.__dict__.get("member")
    if member is not None:
        identity["member_id"] = str(member.pk)
    return identity


class ContextFilter(logging.Filter):
    """Copies the current context onto each record (never replacing what a call's `extra=`
    set); lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(_fields.get())
        request = _request.get()
        if request is not None:
            fields.update(request_identity(request))
        for key, value in fields.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
