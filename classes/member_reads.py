"""Everything the schedule and the class page read about the member herself, in one statement
written once (and her live membership, in one more).

Her bookings on the shown classes, her waitlist places on them, her upcoming bookings, her
spendable grants (each with what it pays for) and the spots she holds around them were five
querysets; building them cost the ORM more than the database took to answer. They are one SQL
statement now, each kind of fact a tagged branch of a `UNION ALL`, its values converted as the
ORM converts them (as the compiler converts a model's columns).
"""

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connections

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from classes.queries import MemberFacts
from domain.entities import ALLOWANCE_STATUSES, SPOT_HOLDING_STATUSES, BookingStatus
from events import sql
from members import scopes
from members.models import CreditGrant, Member
from members.repositories import live_membership

HOLDING = sorted(status.value for status in SPOT_HOLDING_STATUSES)
COUNTED = sorted(status.value for status in ALLOWANCE_STATUSES)

# kind, class, booking, status, free cancellation until, the class's start, end and
# cancellation, a number (a waitlist position, the upcoming bookings, a grant's credits).
# Her live grants come one a row, each with its scope (as JSON, in the status column): a
# limited grant pays only for some classes, which the domain's rule decides per class. Its
# locations are kept by id, so every location's name comes too (a chain has a few).
# Then the starts of the classes her limited membership paid for around the shown ones
# (its allowance is counted per class from them).
# Her spot-holding bookings of classes around [start, end) (every shown class is among
# them); her waitlist entries on the shown classes with their 1-based place in the queue
# (joined earlier, then by id, as the domain's `Waitlist` orders it); then two counts (her
# upcoming bookings at the shown classes' location: the limit is each location's).
READS = (
    "SELECT 'booking', b.fitness_class_id, b.id, b.status, b.free_cancellation_until,"
    " c.starts_at, c.ends_at, c.cancelled_at, NULL"
    " FROM bookings_booking b JOIN classes_fitnessclass c ON c.id = b.fitness_class_id"
    f" WHERE b.member_id = %s AND b.status IN ({sql.marks(len(HOLDING))})"
    " AND c.ends_at > %s AND c.starts_at < %s"
    " UNION ALL"
    " SELECT 'waiting', w.fitness_class_id, NULL, NULL, NULL, NULL, NULL, NULL,"
    " 1 + (SELECT COUNT(*) FROM bookings_waitlistentry a"
    " WHERE a.fitness_class_id = w.fitness_class_id AND (a.created_at < w.created_at"
    " OR (a.created_at = w.created_at AND a.id < w.id)))"
    " FROM bookings_waitlistentry w WHERE w.member_id = %s AND w.fitness_class_id IN ({ids})"
    " UNION ALL"
    " SELECT 'upcoming', NULL, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*)"
    " FROM bookings_booking b JOIN classes_fitnessclass c ON c.id = b.fitness_class_id"
    " WHERE b.member_id = %s AND b.status = %s AND c.starts_at > %s AND c.location_id = %s"
    " UNION ALL"
    " SELECT 'credit', NULL, NULL, CAST(scope AS TEXT), NULL, NULL, NULL, NULL, remaining"
    " FROM members_creditgrant WHERE member_id = %s AND remaining > 0 AND expires_at > %s"
    " UNION ALL"
    " SELECT 'place', NULL, NULL, name, NULL, NULL, NULL, NULL, id FROM locations_location"
    " UNION ALL"
    " SELECT 'paid', NULL, NULL, NULL, NULL, c.starts_at, NULL, NULL, NULL"
    " FROM bookings_booking b JOIN classes_fitnessclass c ON c.id = b.fitness_class_id"
    f" WHERE b.membership_id = %s AND b.status IN ({sql.marks(len(COUNTED))})"
    " AND c.starts_at >= %s AND c.starts_at < %s"
)
# Every week or month holding a shown class lies within this much of the shown times.
ALLOWANCE_REACH = timedelta(days=32)
# The model field each column is converted as (the number needs none).
COLUMNS = (
    (Booking, "fitness_class_id"),
    (Booking, "id"),
    (Booking, "status"),
    (Booking, "free_cancellation_until"),
    (FitnessClass, "starts_at"),
    (FitnessClass, "ends_at"),
    (FitnessClass, "cancelled_at"),
)


def _converted(statement: str, params: list[object]) -> list[tuple]:
    """The rows of `statement`, each column between the first and the last converted as the
    ORM converts its model field (UUIDs and time zones on SQLite; nothing on PostgreSQL)."""
    db = connections[DEFAULT_DB_ALIAS]
    columns = [model._meta.get_field(name).get_col("c") for model, name in COLUMNS]
    converters = [
        (index, converter, column)
        for index, column in enumerate(columns, start=1)
        for converter in db.ops.get_db_converters(column) + column.get_db_converters(db)
    ]
    with db.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    if not converters:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, converter, column in converters:
            values[index] = converter(values[index], column, db)
        converted.append(tuple(values))
    return converted


@dataclass(frozen=True)
class MemberReads:
    """Her state on the shown classes and what the rules ask of her."""

    bookings: dict[uuid.UUID, tuple[uuid.UUID, str, datetime | None]]  # class → booking
    positions: dict[uuid.UUID, int]  # class → her place on its waitlist
    facts: MemberFacts


def member_reads(
    member: Member,
    now: datetime,
    class_ids: Collection[uuid.UUID],
    start: datetime,
    end: datetime,
    location_id: int,
) -> MemberReads:
    """Her bookings holding a spot in the classes `class_ids` (confirmed, or already marked
    attended or no-show) and her waitlist places on them, which all lie within [start, end),
    and her facts for classes held then at the location `location_id` (every shown class is
    one location's): one statement, however many classes, after her live membership's."""
    membership = live_membership(member.pk)
    counted = membership is not None and not membership.plan.allowance.is_unlimited
    me = sql.values(Booking, member_id=member.pk)
    params = [
        *me,
        *sql.db_values(Booking, "status", HOLDING),
        *sql.values(FitnessClass, ends_at=start, starts_at=end),
        *me,
        *sql.db_values(WaitlistEntry, "fitness_class_id", class_ids),
        *me,
        *sql.values(Booking, status=BookingStatus.CONFIRMED.value),
        *sql.values(FitnessClass, starts_at=now, location=location_id),
        *sql.values(CreditGrant, member_id=member.pk, expires_at=now),
        *sql.values(Booking, membership_id=membership.membership_id if counted else None),
        *sql.db_values(Booking, "status", COUNTED),
        *sql.db_values(FitnessClass, "starts_at", [start - ALLOWANCE_REACH, end + ALLOWANCE_REACH]),
    ]
    # `IN (NULL)` matches nothing, where `IN ()` is not SQL.
    statement = READS.format(ids=sql.marks(len(class_ids)) if class_ids else "NULL")
    rows = _converted(statement, params)
    shown = set(class_ids)
    bookings, positions, spots, counts, paid, grants, places = {}, {}, [], {}, [], [], {}
    for kind, class_id, booking_id, status, free_until, starts, ends, cancelled, number in rows:
        if kind == "booking":
            if class_id in shown:
                bookings[class_id] = (booking_id, status, free_until)
            if cancelled is None:
                spots.append((class_id, starts, ends))
        elif kind == "waiting":
            positions[class_id] = number
        elif kind == "paid":
            paid.append(starts)
        elif kind == "credit":
            grants.append((number, json.loads(status)))
        elif kind == "place":
            places[number] = status
        else:
            counts[kind] = number
    facts = MemberFacts(
        grants=tuple((left, scopes.scope_of(field, places)) for left, field in grants),
        paused=member.bookings_paused_until is not None and now < member.bookings_paused_until,
        upcoming_bookings=counts["upcoming"],
        spots=tuple(spots),
        membership=membership,
        paid_starts=tuple(paid),
    )
    return MemberReads(bookings=bookings, positions=positions, facts=facts)
