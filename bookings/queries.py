"""The reads behind "My bookings".

Each list is one query, whatever the number of bookings and waitlist entries: the class comes
with `select_related`, a waitlist position is a correlated subquery.
"""

import uuid
from datetime import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

from bookings.models import Booking, WaitlistEntry
from domain.entities import BookingStatus


def waitlist_position() -> CombinedExpression:
    """A waitlist entry's 1-based place in its class's queue, as an annotation.

    The queue is in order of joining (created_at, then id), as the domain's `Waitlist` keeps
    it: the position is 1 + the entries of the same class ahead of this one.
    """
    ahead = (
        WaitlistEntry.objects.filter(fitness_class=OuterRef("fitness_class"))
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("fitness_class")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead), 0) + 1


def upcoming_bookings(member_id: uuid.UUID, now: datetime) -> list[Booking]:
    """The member's confirmed bookings of classes that have not started, soonest first."""
    return list(
        Booking.objects.filter(
            member_id=member_id, status=BookingStatus.CONFIRMED, fitness_class__starts_at__gt=now
        )
        .select_related("fitness_class__location")
        .order_by("fitness_class__starts_at", "fitness_class_id")
    )


def waiting_entries(member_id: uuid.UUID, now: datetime) -> list[WaitlistEntry]:
    """The member's waitlist entries for classes that have not started, soonest first, each
    annotated with its current `position`."""
    return list(
        WaitlistEntry.objects.filter(member_id=member_id, fitness_class__starts_at__gt=now)
        .select_related("fitness_class__location")
        .annotate(position=waitlist_position())
        .order_by("fitness_class__starts_at", "fitness_class_id")
    )


def past_bookings(member_id: uuid.UUID, now: datetime, limit: int) -> tuple[list[Booking], bool]:
    """Every other booking of the member — of classes that have started, or cancelled — the
    latest class first: at most `limit` of them, and whether there are more."""
    rows: QuerySet[Booking] = (
        Booking.objects.filter(member_id=member_id)
        .exclude(status=BookingStatus.CONFIRMED, fitness_class__starts_at__gt=now)
        .select_related("fitness_class__location")
        .order_by("-fitness_class__starts_at", "-created_at", "-id")
    )
    shown = list(rows[: limit + 1])
    return shown[:limit], len(shown) > limit


def position_on_waitlist(member_id: uuid.UUID, class_id: uuid.UUID) -> int | None:
    """The member's 1-based place on the class's waitlist, or None when not waiting."""
    return (
        WaitlistEntry.objects.filter(member_id=member_id, fitness_class_id=class_id)
        .annotate(position=waitlist_position())
        .values_list("position", flat=True)
        .first()
    )
