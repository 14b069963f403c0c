"""The ORM adapters of the BookingRepository and WaitlistRepository ports."""

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from weakref import WeakSet

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
)
from django.db.models.functions import Coalesce

from application.ports import SpotsHeld
from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from domain import entities
from domain.entities import ALLOWANCE_STATUSES, SPOT_HOLDING_STATUSES, BookingStatus
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    BookingNotFoundException,
)
from events import sql

HOLDING = sorted(status.value for status in SPOT_HOLDING_STATUSES)
BOOKING = "SELECT * FROM bookings_booking WHERE id = %s"
# Another live class sharing a moment with the one asked about (`_overlap_values`): its
# start before that class's end, its end after that class's start (half-open intervals).
OVERLAPS = "c.cancelled_at IS NULL AND c.starts_at < %s AND c.ends_at > %s AND c.id <> %s"
# At the location asked about: the upcoming-bookings limit is each location's.
_UPCOMING = (
    "b.status = %s AND c.starts_at > %s"
    " AND c.location_id = (SELECT l.id FROM locations_location l WHERE l.name = %s)"
)
_OVERLAPPING = f"b.status IN ({sql.marks(len(HOLDING))}) AND {OVERLAPS}"
# The member's upcoming confirmed bookings, counted, and whether any spot overlaps, over her
# spot-holding bookings (confirmed is one of those statuses). Not filtered by the two
# conditions as well: PostgreSQL took 2 ms planning that OR, and 0.03 ms running it.
SPOTS_HELD = (
    f"SELECT SUM(CASE WHEN {_UPCOMING} THEN 1 ELSE 0 END),"
    f" MAX(CASE WHEN {_OVERLAPPING} THEN 1 ELSE 0 END)"
    " FROM bookings_booking b JOIN classes_fitnessclass c ON c.id = b.fitness_class_id"
    f" WHERE b.member_id = %s AND b.status IN ({sql.marks(len(HOLDING))})"
)
QUEUE = "SELECT * FROM bookings_waitlistentry WHERE fitness_class_id = %s ORDER BY created_at, id"
QUEUE_AND_OVERLAPPING = (
    "SELECT w.* FROM bookings_waitlistentry w"
    " JOIN classes_fitnessclass c ON c.id = w.fitness_class_id"
    f" WHERE w.fitness_class_id = %s OR (w.member_id = %s AND {OVERLAPS})"
    " ORDER BY w.created_at, w.id"
)

# Bookings this process loaded or saved: their rows exist, so saving one is an UPDATE; any
# other booking is new (just confirmed or promoted) and is inserted without trying an UPDATE
# first. Held weakly: a booking nobody holds any more is forgotten.
_stored: WeakSet[entities.Booking] = WeakSet()


def booking_to_entity(row: Booking) -> entities.Booking:
    """`row`: a model instance, or a row of `sql.select` (the same names)."""
    booking = entities.Booking(
        booking_id=str(row.id),
        member_id=str(row.member_id),
        class_id=str(row.fitness_class_id),
        status=BookingStatus(row.status),
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        cancellation_reason=row.cancellation_reason or None,
        credit_grant_id=str(row.credit_grant_id) if row.credit_grant_id else None,
        reminded_at=row.reminded_at,
        free_cancellation_until=row.free_cancellation_until,
        refund_grant_id=str(row.refund_grant_id) if row.refund_grant_id else None,
        membership_id=str(row.membership_id) if row.membership_id else None,
    )
    _stored.add(booking)
    return booking


def booking_fields(booking: entities.Booking) -> dict[str, object]:
    """The columns a booking's life changes (its member and class never change)."""
    return {
        "status": booking.status.value,
        "created_at": booking.created_at,
        "cancelled_at": booking.cancelled_at,
        "cancellation_reason": booking.cancellation_reason or "",
        "credit_grant_id": booking.credit_grant_id,
        "reminded_at": booking.reminded_at,
        "free_cancellation_until": booking.free_cancellation_until,
        "refund_grant_id": booking.refund_grant_id,
        "membership_id": booking.membership_id,
    }


def entry_to_entity(row: WaitlistEntry) -> entities.WaitlistEntry:
    """`row`: a model instance, or a row of `sql.select` (the same names)."""
    return entities.WaitlistEntry(
        entry_id=str(row.id),
        member_id=str(row.member_id),
        class_id=str(row.fitness_class_id),
        created_at=row.created_at,
        skips_told=row.skips_told.split(),
    )


def _uuid_or_none(value: object) -> uuid.UUID | None:
    """The primary key named by `value`, or None when it is malformed (it names nothing)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _overlap_values(fitness_class: entities.FitnessClass) -> list[object]:
    """The parameters of `OVERLAPS`: the class's end, its start, its id."""
    return sql.values(
        FitnessClass,
        starts_at=fitness_class.ends_at,
        ends_at=fitness_class.starts_at,
        id=_uuid_or_none(fitness_class.id),
    )


def _overlapping(fitness_class: entities.FitnessClass) -> Q:
    """Rows of *other*, non-cancelled classes sharing a moment with `fitness_class`.

    Intervals are half-open: a class ending at 10:00 does not overlap one starting at 10:00.
    """
    return Q(
        fitness_class__cancelled_at__isnull=True,
        fitness_class__starts_at__lt=fitness_class.ends_at,
        fitness_class__ends_at__gt=fitness_class.starts_at,
    ) & ~Q(fitness_class_id=fitness_class.id)


class DjangoBookingRepository:
    """Bookings: one query per read, one statement per save."""

    def get_by_id(self, booking_id: str, *, for_update: bool = False) -> entities.Booking:
        pk = _uuid_or_none(booking_id)
        if pk is None:
            raise BookingNotFoundException()
        lock = sql.for_update() if for_update else ""
        for row in sql.select(Booking, BOOKING + lock, sql.values(Booking, id=pk)):
            return booking_to_entity(row)
        raise BookingNotFoundException()

    def get_active_by_class(
        self, class_id: str, *, for_update: bool = False
    ) -> list[entities.Booking]:
        return self._of_class(class_id, SPOT_HOLDING_STATUSES, for_update)

    def get_confirmed_by_class(
        self, class_id: str, *, for_update: bool = False
    ) -> list[entities.Booking]:
        return self._of_class(class_id, [BookingStatus.CONFIRMED], for_update)

    def get_forfeited_by_class(
        self, class_id: str, *, for_update: bool = False
    ) -> list[entities.Booking]:
        return self._of_class(
            class_id,
            [BookingStatus.LATE_CANCELLED],
            for_update,
            refund_grant__isnull=True,
            membership__isnull=True,
        )

    def _of_class(
        self,
        class_id: str,
        statuses: Collection[BookingStatus],
        for_update: bool,
        **conditions: object,
    ) -> list[entities.Booking]:
        """A class's bookings in these statuses by id: with `for_update`, locked in that order."""
        pk = _uuid_or_none(class_id)
        if pk is None:
            return []
        bookings = Booking.objects.filter(
            fitness_class_id=pk, status__in=statuses, **conditions
        ).order_by("pk")
        if for_update:
            bookings = bookings.select_for_update()
        return [booking_to_entity(row) for row in bookings]

    def get_upcoming_by_member(self, member_id: str, now: datetime) -> list[entities.Booking]:
        """The member's spots in live classes that have not started, by id (one query)."""
        bookings = Booking.objects.filter(
            member_id=_uuid_or_none(member_id),
            status__in=SPOT_HOLDING_STATUSES,
            fitness_class__cancelled_at__isnull=True,
            fitness_class__starts_at__gt=now,
        ).order_by("pk")
        return [booking_to_entity(row) for row in bookings]

    def spots_held(
        self, member_id: str, fitness_class: entities.FitnessClass, now: datetime
    ) -> SpotsHeld:
        """One query over the member's bookings: confirmed ones of classes at this one's
        location not yet started (counted), spots in other live classes overlapping this one
        (any, at any location: she cannot be in two places at once)."""
        pk = _uuid_or_none(member_id)
        if pk is None:
            return SpotsHeld(upcoming_confirmed=0, overlapping=False)
        upcoming = [
            *sql.db_values(Booking, "status", [BookingStatus.CONFIRMED.value]),
            *sql.values(FitnessClass, starts_at=now),
            fitness_class.location,
        ]
        holding = sql.db_values(Booking, "status", HOLDING)
        overlapping = [*holding, *_overlap_values(fitness_class)]
        member = sql.values(Booking, member_id=pk)
        with connection.cursor() as cursor:
            cursor.execute(SPOTS_HELD, [*upcoming, *overlapping, *member, *holding])
            upcoming_count, overlaps = cursor.fetchone()
        return SpotsHeld(upcoming_confirmed=upcoming_count or 0, overlapping=bool(overlaps))

    def count_paid_by_membership(self, membership_id: str, since: datetime, until: datetime) -> int:
        return Booking.objects.filter(
            membership_id=_uuid_or_none(membership_id),
            status__in=ALLOWANCE_STATUSES,
            fitness_class__starts_at__gte=since,
            fitness_class__starts_at__lt=until,
        ).count()

    def count_no_shows_since(self, member_id: str, since: datetime, *, location: str) -> int:
        return Booking.objects.filter(
            member_id=_uuid_or_none(member_id),
            status=BookingStatus.NO_SHOW,
            fitness_class__starts_at__gte=since,
            fitness_class__location__name=location,
        ).count()

    def ids_due_for_reminder(self, now: datetime, lead: timedelta) -> list[str]:
        """One query: each class's location's lead (its `reminder_hours`, else `lead`)."""
        column = ExpressionWrapper(F("fitness_class__location__reminder_hours"), IntegerField())
        hours = column * Value(timedelta(hours=1))
        location_lead = Coalesce(ExpressionWrapper(hours, DurationField()), Value(lead))
        until = ExpressionWrapper(Value(now) + location_lead, DateTimeField())
        due = Booking.objects.filter(
            status=BookingStatus.CONFIRMED,
            reminded_at__isnull=True,
            fitness_class__cancelled_at__isnull=True,
            fitness_class__starts_at__gte=now,
            fitness_class__starts_at__lt=until,
        ).order_by("fitness_class__starts_at", "pk")
        return [str(pk) for pk in due.values_list("pk", flat=True)]

    def class_ids_to_settle(self, ended_before: datetime) -> list[str]:
        classes = (
            Booking.objects.filter(
                status=BookingStatus.CONFIRMED, fitness_class__ends_at__lt=ended_before
            )
            .order_by("fitness_class_id")
            .values_list("fitness_class_id", flat=True)
            .distinct()
        )
        return [str(pk) for pk in classes]

    def save(self, booking: entities.Booking) -> None:
        """Update a loaded booking's row; insert a new booking's (one statement either way).

        Neither needs a savepoint: a loaded booking's member and class never change, and no
        booking ever goes back to holding a spot, so its update cannot break the
        one-active-booking constraint; an insert that would is skipped (see `_insert`).
        """
        fields = booking_fields(booking)
        if booking in _stored:
            sql.update(Booking, _uuid_or_none(booking.id), **fields)
        else:
            self._insert(booking, fields)
        _stored.add(booking)

    def _insert(self, booking: entities.Booking, fields: dict[str, object]) -> None:
        """Insert a booking this process did not load (new, as a rule).

        A second active booking of the same member and class (a double-clicked form, two tabs)
        is refused by the database's unique constraint; that refusal becomes
        `AlreadyBookedException`. The refused row is skipped rather than failing the
        statement, so the caller's transaction stays usable without a savepoint. A booking
        whose row exists after all is updated instead.
        """
        row = {
            "id": booking.id,
            "member_id": booking.member_id,
            "fitness_class_id": booking.class_id,
            **fields,
        }
        if sql.insert(Booking, [row], returning="id", skip_conflicting=True):
            return
        if booking.status in SPOT_HOLDING_STATUSES and self._another_active(booking):
            raise AlreadyBookedException()
        if not sql.update(Booking, _uuid_or_none(booking.id), **fields):
            raise IntegrityError(f"booking {booking.id} was refused by a unique constraint")

    def _another_active(self, booking: entities.Booking) -> bool:
        return (
            Booking.objects.filter(
                member_id=booking.member_id,
                fitness_class_id=booking.class_id,
                status__in=SPOT_HOLDING_STATUSES,
            )
            .exclude(pk=booking.id)
            .exists()
        )


class DjangoWaitlistRepository:
    """Waitlist entries, always in order of joining (created_at, then id); one query each."""

    def get_by_class(self, class_id: str) -> list[entities.WaitlistEntry]:
        pk = _uuid_or_none(class_id)
        if pk is None:
            return []
        entries = sql.select(WaitlistEntry, QUEUE, sql.values(WaitlistEntry, fitness_class_id=pk))
        return [entry_to_entity(row) for row in entries]

    def get_overlapping_for_member(
        self, member_id: str, fitness_class: entities.FitnessClass
    ) -> list[entities.WaitlistEntry]:
        """The member's entries for other, non-cancelled classes overlapping this one."""
        pk = _uuid_or_none(member_id)
        if pk is None:
            return []
        entries = (
            WaitlistEntry.objects.filter(member_id=pk)
            .filter(_overlapping(fitness_class))
            .order_by("created_at", "pk")
        )
        return [entry_to_entity(row) for row in entries]

    def get_by_class_and_overlapping_for_member(
        self, fitness_class: entities.FitnessClass, member_id: str
    ) -> tuple[list[entities.WaitlistEntry], list[entities.WaitlistEntry]]:
        """Both in one query, split by class."""
        pk = _uuid_or_none(member_id)
        this = sql.values(WaitlistEntry, fitness_class_id=_uuid_or_none(fitness_class.id))
        if pk is None:
            rows = sql.select(WaitlistEntry, QUEUE, this)
        else:
            rows = sql.select(
                WaitlistEntry,
                QUEUE_AND_OVERLAPPING,
                [*this, *sql.values(WaitlistEntry, member_id=pk), *_overlap_values(fitness_class)],
            )
        entries = [entry_to_entity(row) for row in rows]
        return (
            [entry for entry in entries if entry.class_id == fitness_class.id],
            [entry for entry in entries if entry.class_id != fitness_class.id],
        )

    def get_by_member(self, member_id: str) -> list[entities.WaitlistEntry]:
        entries = WaitlistEntry.objects.filter(member_id=_uuid_or_none(member_id)).order_by(
            "created_at", "pk"
        )
        return [entry_to_entity(row) for row in entries]

    def add(self, entry: entities.WaitlistEntry) -> None:
        """Insert the entry; a second entry of the member for the class becomes
        `AlreadyOnWaitlistException` (in a savepoint, so the caller's transaction lives on)."""
        try:
            with transaction.atomic():
                WaitlistEntry.objects.create(
                    id=entry.id,
                    member_id=entry.member_id,
                    fitness_class_id=entry.class_id,
                    created_at=entry.created_at,
                )
        except IntegrityError as exc:
            already_waiting = WaitlistEntry.objects.filter(
                member_id=entry.member_id, fitness_class_id=entry.class_id
            ).exists()
            if already_waiting:
                raise AlreadyOnWaitlistException() from exc
            raise

    def save(self, entry: entities.WaitlistEntry) -> None:
        WaitlistEntry.objects.filter(pk=entry.id).update(
            skips_told=" ".join(sorted(entry.skips_told))
        )

    def remove(self, entry: entities.WaitlistEntry) -> None:
        """Delete the entry; one already gone is not an error (the outcome is the same)."""
        WaitlistEntry.objects.filter(pk=entry.id).delete()

    def class_ids_with_room_and_waiting(self, now: datetime) -> list[str]:
        taken = Count(
            "bookings", filter=Q(bookings__status__in=SPOT_HOLDING_STATUSES), distinct=True
        )
        classes = (
            FitnessClass.objects.filter(
                cancelled_at__isnull=True, starts_at__gt=now, waitlist_entries__isnull=False
            )
            .annotate(taken=taken)
            .filter(taken__lt=F("capacity"))
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        return [str(pk) for pk in classes]

    def class_ids_started_with_waiting(self, now: datetime) -> list[str]:
        classes = (
            FitnessClass.objects.filter(starts_at__lte=now, waitlist_entries__isnull=False)
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        return [str(pk) for pk in classes]
