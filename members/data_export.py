"""Everything the gym keeps about one member, for her to download (the right of access).

A read, so a selector rather than a use case: `member_data(member, now)` returns the
sections as tables (a name, its columns, its rows as plain values), and the edge writes them
as JSON or CSV (`members.export_formats`). The long histories — bookings, notices, e-mails,
the event log — are read lazily, a chunk at a time, when the section is written; the short
ones (waitlists, credits, purchases, fees, memberships: `members.money_export`) in a few
queries each.

Only her rows are read: every query is filtered by her member id, her login, or (a password
reset, which names no member) her e-mail address.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from bookings.models import Booking, WaitlistEntry
from bookings.queries import waitlist_position
from classes.models import FitnessClass
from events.models import Delivery, StoredEvent
from members import money_export as money
from members.models import CreditGrant, Member
from notifications.models import Notification

type Row = dict[str, Any]
CHUNK = 500
NEVER = datetime.min.replace(tzinfo=UTC)  # a place whose joining the log no longer holds


@dataclass(frozen=True)
class Section:
    """One table of the export; `rows()` reads it (again on each call)."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterable[Row]]
    single: bool = False  # one row (the profile): an object in JSON, not a list


@dataclass(frozen=True)
class MemberData:
    member_id: str
    exported_at: datetime
    sections: tuple[Section, ...]


def member_data(member: Member, now: datetime) -> MemberData:
    """The sections of `member`'s export, read as they are written."""
    return MemberData(
        member_id=str(member.pk),
        exported_at=now,
        sections=(
            Section("profile", PROFILE, lambda: [_profile(member, now)], single=True),
            Section("bookings", BOOKINGS, lambda: _bookings(member)),
            Section("waitlists", WAITLISTS, lambda: _waitlists(member)),
            Section("credits", CREDITS, lambda: _credits(member, now)),
            Section("purchases", money.PURCHASES, lambda: money.purchases(member)),
            Section("fees", money.FEES, lambda: money.fees(member)),
            Section("memberships", money.MEMBERSHIPS, lambda: money.memberships(member)),
            Section("notifications", NOTIFICATIONS, lambda: _notifications(member)),
            Section("emails", EMAILS, lambda: _emails(member)),
            Section("events", EVENTS, lambda: _events(member)),
        ),
    )


PROFILE = (
    "member_id",
    "name",
    "email",
    "login",
    "joined_at",
    "bookings_paused_until",
    "spendable_credits",
    "home_location",
)


def _profile(member: Member, now: datetime) -> Row:
    spendable = CreditGrant.objects.filter(member=member, remaining__gt=0, expires_at__gt=now)
    return {
        "member_id": str(member.pk),
        "name": member.name,
        "email": member.email,
        "login": member.user.get_username() if member.user else None,
        "joined_at": member.joined_at,
        "bookings_paused_until": member.bookings_paused_until,
        "spendable_credits": sum(spendable.values_list("remaining", flat=True)),
        "home_location": member.home_location.name if member.home_location else None,
    }


CLASS_COLUMNS = ("class_id", "class_name", "class_starts_at")
BOOKINGS = (
    "booking_id",
    *CLASS_COLUMNS,
    "class_ends_at",
    "instructor",
    "location",
    "status",
    "booked_at",
    "cancelled_at",
    "cancellation_reason",
    "class_cancelled_at",
    "class_cancellation_reason",
    "reminded_at",
    "paid_from_grant_id",
)


def _class(fitness_class: FitnessClass | None, class_id: object = None) -> Row:
    if fitness_class is None:  # deleted since, or never stored
        return {"class_id": _str(class_id), "class_name": None, "class_starts_at": None}
    return {
        "class_id": str(fitness_class.pk),
        "class_name": fitness_class.name,
        "class_starts_at": fitness_class.starts_at,
    }


def _bookings(member: Member) -> Iterator[Row]:
    """Every booking with its outcome (status), the latest class first."""
    rows = (
        Booking.objects.filter(member=member)
        .select_related("fitness_class__location")
        .order_by("-fitness_class__starts_at", "-created_at", "-id")
    )
    for booking in rows.iterator(chunk_size=CHUNK):
        fitness_class = booking.fitness_class
        yield {
            "booking_id": str(booking.pk),
            **_class(fitness_class),
            "class_ends_at": fitness_class.ends_at,
            "instructor": fitness_class.instructor,
            "location": fitness_class.location.name,
            "status": booking.status,
            "booked_at": booking.created_at,
            "cancelled_at": booking.cancelled_at,
            "cancellation_reason": booking.cancellation_reason or None,
            "class_cancelled_at": fitness_class.cancelled_at,
            "class_cancellation_reason": fitness_class.cancellation_reason or None,
            "reminded_at": booking.reminded_at,
            "paid_from_grant_id": _str(booking.credit_grant_id),
        }


WAITLISTS = (
    "waitlist_entry_id",
    *CLASS_COLUMNS,
    "joined_at",
    "position_when_joined",
    "position_now",
    "ended_at",
    "outcome",
)
WAITLIST_EVENTS = ("MemberJoinedWaitlist", "MemberLeftWaitlist", "MemberPromotedFromWaitlist")


def _waitlists(member: Member) -> list[Row]:
    """Her current places, and the past ones as far as the event log still has them (three
    queries): joined, then left (and why) or promoted."""
    places: dict[str, Row] = {}
    history = StoredEvent.objects.filter(member_id=member.pk, type__in=WAITLIST_EVENTS)
    for event in history.order_by("occurred_at", "recorded_at").iterator(chunk_size=CHUNK):
        entry_id = event.payload.get("waitlist_entry_id")
        place = places.setdefault(entry_id, _place(entry_id, event.payload.get("class_id")))
        if event.type == "MemberJoinedWaitlist":
            place.update(
                joined_at=event.occurred_at, position_when_joined=event.payload["position"]
            )
        else:
            place["ended_at"] = event.occurred_at
            place["outcome"] = event.payload.get("reason", "promoted")
    current = WaitlistEntry.objects.filter(member=member).annotate(position=waitlist_position())
    for entry in current:
        place = places.setdefault(str(entry.pk), _place(str(entry.pk), entry.fitness_class_id))
        place.update(joined_at=entry.created_at, position_now=entry.position, outcome="waiting")
    ids = [place["class_id"] for place in places.values() if place["class_id"]]
    classes = {str(pk): row for pk, row in FitnessClass.objects.in_bulk(ids).items()}
    for place in places.values():
        place.update(_class(classes.get(place["class_id"]), place["class_id"]))
    return sorted(places.values(), key=lambda place: place["joined_at"] or NEVER, reverse=True)


def _place(entry_id: object, class_id: object) -> Row:
    return dict.fromkeys(WAITLISTS) | {
        "waitlist_entry_id": _str(entry_id),
        "class_id": _str(class_id),
    }


CREDITS = (
    "kind",
    "at",
    "change",
    "grant_id",
    "description",
    "expires_at",
    "remaining",
    "booking_id",
)


def _credits(member: Member, now: datetime) -> list[Row]:
    """The ledger, newest first: every grant (purchases, gifts, welcome credits, refunds),
    every credit spent on a booking, and every grant that expired with credit left."""
    lines: list[Row] = []
    for grant in CreditGrant.objects.filter(member=member):
        lines.append(
            {
                "kind": "grant",
                "at": grant.granted_at,
                "change": grant.amount,
                "grant_id": str(grant.pk),
                "description": grant.reason or "Credits added",
                "expires_at": grant.expires_at,
                "remaining": grant.remaining,
                "booking_id": None,
            }
        )
        if grant.remaining and grant.expires_at <= now:
            lines.append(
                dict.fromkeys(CREDITS)
                | {
                    "kind": "expired",
                    "at": grant.expires_at,
                    "change": -grant.remaining,
                    "grant_id": str(grant.pk),
                    "description": "Expired unused",
                }
            )
    spending = Booking.objects.filter(member=member, credit_grant__isnull=False).select_related(
        "fitness_class"
    )
    for booking in spending:
        lines.append(
            dict.fromkeys(CREDITS)
            | {
                "kind": "spent",
                "at": booking.created_at,
                "change": -1,
                "grant_id": str(booking.credit_grant_id),
                "description": booking.fitness_class.name,
                "booking_id": str(booking.pk),
            }
        )
    return sorted(lines, key=lambda line: line["at"], reverse=True)


NOTIFICATIONS = ("notification_id", "kind", "class_id", "title", "body", "created_at", "read_at")


def _notifications(member: Member) -> Iterator[Row]:
    for notice in Notification.objects.filter(member=member).iterator(chunk_size=CHUNK):
        yield {
            "notification_id": notice.pk,
            "kind": notice.kind,
            "class_id": _str(notice.fitness_class_id),
            "title": notice.title,
            "body": notice.body,
            "created_at": notice.created_at,
            "read_at": notice.read_at,
        }


EMAILS = ("event_id", "about", "class_id", "status", "sent_at", "attempts")


def _emails(member: Member) -> Iterator[Row]:
    """The e-mails to her, as the deliveries of the mail queue record them (their text is not
    kept: it is written from the event when sent)."""
    deliveries = (
        Delivery.objects.filter(queue=Delivery.Queue.MAIL, event__in=_about(member))
        .select_related("event")
        .order_by("-event__occurred_at", "-pk")
    )
    for delivery in deliveries.iterator(chunk_size=CHUNK):
        yield {
            "event_id": str(delivery.event_id),
            "about": delivery.event.type,
            "class_id": _str(delivery.event.class_id),
            "status": delivery.status,
            "sent_at": delivery.delivered_at,
            "attempts": delivery.attempts,
        }


EVENTS = ("event_id", "type", "occurred_at", "caused_by", "payload")


def _about(member: Member):
    """The event log's rows about her or caused by her."""
    about = Q(member_id=member.pk) | Q(
        type__in=("PasswordResetRequested", "SignUpRequested"),
        payload__email__iexact=member.email,
    )
    if member.user_id is not None:
        about |= Q(actor_user_id=member.user_id)
    return StoredEvent.objects.filter(about)


def _events(member: Member) -> Iterator[Row]:
    events = _about(member).order_by("-occurred_at", "-recorded_at")
    for event in events.iterator(chunk_size=CHUNK):
        by_her = member.user_id is not None and event.actor_user_id == member.user_id
        yield {
            "event_id": str(event.pk),
            "type": event.type,
            "occurred_at": event.occurred_at,
            "caused_by": "you" if by_her else event.actor_kind,
            "payload": event.payload,
        }


def _str(value: object) -> str | None:
    return None if value is None else str(value)
