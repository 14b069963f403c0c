"""Scrubbing an erased member's personal data out of the event log.

The rows stay — their number, types, ids, times and member and class ids — so the audit
trail's counts and the reports over it are unchanged. What goes:

- her e-mail address and her name wherever a payload quotes them (a reason staff typed, the
  address a password reset was asked for), replaced by `ERASED`; in the events of others only
  a name of two words or more is looked for, since one first name alone is rarely hers;
- the free text she typed herself in the events she caused (`MEMBER_TYPED`), dropped;
- her login as the actor of what she did (the label is her e-mail), replaced by
  `ERASED_ACTOR`;
- her address and name in the last error of those events' deliveries (a mail server's refusal
  quotes the address);
- in the security log, the login name and the client address (`PERSONAL_FIELDS`) of every
  security event of her login: her sign-ins, the failed ones typed with her login's name,
  her lockouts, changes of her role.

Every payload still restores to its event (`events.registry.restore`).
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from application.security import BY_NAME as SECURITY_EVENTS
from application.security import PERSONAL_FIELDS
from domain.entities import Member as MemberEntity
from events.models import Delivery, StoredEvent
from members.models import Member

ERASED = "[erased]"
ERASED_ACTOR = "erased member"
# Free text a member types, by event type: (field, the payload flag set when staff typed it).
MEMBER_TYPED = {"BookingCancelled": ("reason", "by_staff")}
BATCH = 500


@dataclass(frozen=True)
class Traces:
    """How a member shows in the event log."""

    member_id: str
    name: str
    email: str
    user_id: int | None = None
    username: str = ""

    def needles(self, *, about_her: bool) -> list[str]:
        if about_her or len(self.name.split()) >= 2:
            return [self.email, self.name]
        return [self.email]


class EventLogScrubber:
    """The event log as a `PersonalData` store of the erasure. Run it before her login goes:
    the events she caused are found through it."""

    def erase(self, member: MemberEntity) -> None:
        login = Member.objects.filter(pk=member.id).values("user_id", "user__username").first()
        scrub(
            Traces(
                member_id=member.id,
                name=member.name,
                email=str(member.email),
                user_id=login and login["user_id"],
                username=(login and login["user__username"]) or "",
            )
        )


def scrub(traces: Traces) -> int:
    """Scrub every event about or mentioning the member; returns how many rows changed."""
    seen: list[object] = []
    changed: list[StoredEvent] = []
    for row in _candidates(traces).iterator(chunk_size=BATCH):
        seen.append(row.pk)
        if _scrub_row(row, traces):
            changed.append(row)
    StoredEvent.objects.bulk_update(
        changed, ["payload", "actor_label", "actor_user"], batch_size=BATCH
    )
    _scrub_delivery_errors(seen, traces)
    return len(changed)


def _candidates(traces: Traces):
    """Her events, the ones she caused, and any whose payload might mention her (the JSON
    text is searched with and without non-ASCII escaped, as SQLite and PostgreSQL store it;
    the exact match is made in Python)."""
    wanted = _about(traces) | reduce(
        or_, (_mentioning(needle) for needle in traces.needles(about_her=False))
    )
    return (
        StoredEvent.objects.annotate(payload_text=Cast("payload", TextField()))
        .filter(wanted)
        .order_by("pk")
    )


def _about(traces: Traces) -> Q:
    about = Q(member_id=traces.member_id) | Q(actor_label__iexact=traces.email)
    if traces.user_id is not None:
        about |= Q(actor_user_id=traces.user_id)
    if traces.username:
        about |= Q(actor_label__iexact=traces.username)
    return about


def _mentioning(needle: str) -> Q:
    forms = {json.dumps(needle)[1:-1], json.dumps(needle, ensure_ascii=False)[1:-1]}
    return reduce(or_, (Q(payload_text__icontains=form) for form in forms))


def _is_hers(row: StoredEvent, traces: Traces) -> bool:
    return str(row.member_id) == traces.member_id or _acted(row, traces) or _her_login(row, traces)


def _her_login(row: StoredEvent, traces: Traces) -> bool:
    """A security event of her login (by its id, or the name typed)."""
    if row.type not in SECURITY_EVENTS:
        return False
    if traces.user_id is not None and row.payload.get("user_id") == str(traces.user_id):
        return True
    labels = {traces.email.casefold(), traces.username.casefold()} - {""}
    return str(row.payload.get("username", "")).casefold() in labels


def _acted(row: StoredEvent, traces: Traces) -> bool:
    if traces.user_id is not None and row.actor_user_id == traces.user_id:
        return True
    labels = {traces.email.casefold(), traces.username.casefold()} - {""}
    return row.actor_label.casefold() in labels


def _scrub_row(row: StoredEvent, traces: Traces) -> bool:
    """Scrub one row in place; whether anything changed."""
    about_her = _is_hers(row, traces)
    pattern = _pattern(traces.needles(about_her=about_her))
    payload = {key: _scrubbed(value, pattern) for key, value in row.payload.items()}
    typed = MEMBER_TYPED.get(row.type)
    if about_her and typed and not payload.get(typed[1]):
        payload[typed[0]] = None
    if about_her and row.type in SECURITY_EVENTS:
        payload.update({name: ERASED for name in PERSONAL_FIELDS if payload.get(name)})
    changed = payload != row.payload
    row.payload = payload
    if _acted(row, traces):
        row.actor_label, row.actor_user_id = ERASED_ACTOR, None
        changed = True
    return changed


def _pattern(needles: Iterable[str]) -> re.Pattern[str]:
    """The needles as whole words, whatever their case, longest first."""
    words = sorted({needle.strip() for needle in needles if needle.strip()}, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in words), re.I)


def _scrubbed(value: object, pattern: re.Pattern[str]) -> object:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, pattern) for key, item in value.items()}
    return value


def _scrub_delivery_errors(event_ids: list[object], traces: Traces) -> None:
    pattern = _pattern([traces.email, traces.name])
    failed = Delivery.objects.filter(event_id__in=event_ids).exclude(last_error="")
    updated = []
    for delivery in failed.only("pk", "last_error").iterator(chunk_size=BATCH):
        scrubbed = pattern.sub(ERASED, delivery.last_error)
        if scrubbed != delivery.last_error:
            delivery.last_error = scrubbed
            updated.append(delivery)
    Delivery.objects.bulk_update(updated, ["last_error"], batch_size=BATCH)
