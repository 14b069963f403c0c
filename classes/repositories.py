"""The ORM adapter of the ClassRepository port: a class row and who is booked on it."""

import uuid

from django.db import connection

from bookings.models import Booking
from classes import locations
from classes.models import FitnessClass
from domain import entities
from domain.entities import SPOT_HOLDING_STATUSES
from domain.exceptions import ClassNotFoundException
from events import sql
from locations.rules import location_rules

HOLDING = sorted(status.value for status in SPOT_HOLDING_STATUSES)
_HOLDING_MARKS = sql.marks(len(HOLDING))
# The class row alone (to lock it), and the members holding a spot in it.
# A class's room, by name (a room is named within its location).
ROOM = " LEFT JOIN locations_room r ON r.id = c.room_id"
CLASS = (
    f"SELECT c.*, {locations.NAME}, r.name AS room_name FROM classes_fitnessclass c"
    f"{locations.JOIN}{ROOM} WHERE c.id = %s"
)
HOLDERS = (
    "SELECT member_id FROM bookings_booking WHERE fitness_class_id = %s"
    f" AND status IN ({_HOLDING_MARKS}) ORDER BY member_id"
)
# The class row with one row per spot holder (one row with none when nobody holds a spot).
CLASS_WITH_HOLDERS = (
    f"SELECT c.*, {locations.NAME}, r.name AS room_name, b.member_id AS held_by"
    f" FROM classes_fitnessclass c{locations.JOIN}{ROOM}"
    " LEFT JOIN bookings_booking b ON b.fitness_class_id = c.id"
    f" AND b.status IN ({_HOLDING_MARKS}) WHERE c.id = %s"
)


def to_entity(row: tuple, booked_member_ids: list[str]) -> entities.FitnessClass:
    """The entity of `row` (`sql.select`ed with its location's name, clock and rules:
    `classes.locations.NAME`, and its room's name)."""
    return entities.FitnessClass(
        class_id=str(row.id),
        name=row.name,
        capacity=row.capacity,
        starts_at=row.starts_at,
        duration=row.ends_at - row.starts_at,
        description=row.description,
        instructor=row.instructor,
        location=row.location_name,
        room=row.room_name or "",
        time_zone=row.location_time_zone,
        rules=location_rules(row),
        booked_member_ids=booked_member_ids,
        cancelled_at=row.cancelled_at,
        cancellation_reason=row.cancellation_reason,
    )


def to_fields(fitness_class: entities.FitnessClass) -> dict[str, object]:
    """The class's own columns but its room (a series' session is put in the series' room)."""
    return {
        "name": fitness_class.name,
        "description": fitness_class.description,
        "instructor": fitness_class.instructor,
        "location_id": locations.named(fitness_class.location),
        "starts_at": fitness_class.starts_at,
        "ends_at": fitness_class.ends_at,
        "capacity": fitness_class.capacity,
        "cancelled_at": fitness_class.cancelled_at,
        "cancellation_reason": fitness_class.cancellation_reason,
    }


def _parse_id(class_id: object) -> uuid.UUID:
    """The primary key named by `class_id`; a malformed id names no class."""
    try:
        return uuid.UUID(str(class_id))
    except ValueError:
        raise ClassNotFoundException() from None


def _member_id(value: object) -> str:
    """A member id as a cursor returns it (a UUID, or its hex on SQLite), as entities hold it."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class DjangoClassRepository:
    """Classes with their spot holders' members: one query to load (two to lock), one to
    save."""

    def get_by_id(self, class_id: str, *, for_update: bool = False) -> entities.FitnessClass:
        """The class and the members of its bookings holding a spot.

        With `for_update` only the class row is locked: everything that takes a spot locks it
        first, so the bookings read after the lock (in a statement of their own, which sees
        what the lock's last holder committed) cannot change until the transaction ends.
        Without it, the row and its bookings are read together, in one snapshot.
        """
        pk = sql.values(FitnessClass, id=_parse_id(class_id))
        holding = sql.db_values(Booking, "status", HOLDING)
        if for_update:
            row = self._first(sql.select(FitnessClass, CLASS + sql.for_update(of="c"), pk))
            with connection.cursor() as cursor:
                cursor.execute(HOLDERS, [*pk, *holding])
                booked = [_member_id(member_id) for (member_id,) in cursor.fetchall()]
            return to_entity(row, booked)
        rows = sql.select(FitnessClass, CLASS_WITH_HOLDERS, [*holding, *pk])
        row = self._first(rows)
        held_by = sorted(_member_id(r.held_by) for r in rows if r.held_by is not None)
        return to_entity(row, held_by)

    def _first(self, rows: list[tuple]) -> tuple:
        if not rows:
            raise ClassNotFoundException()
        return rows[0]

    def save(self, fitness_class: entities.FitnessClass) -> None:
        """Write the class's own columns; bookings are saved through their own repository."""
        fields = {
            **to_fields(fitness_class),
            "room_id": locations.room_named(fitness_class.room, fitness_class.location),
        }
        rows = FitnessClass.objects.filter(pk=fitness_class.id)
        if not rows.update(**fields):
            FitnessClass.objects.create(id=fitness_class.id, **fields)

    def ever_booked(self, class_id: str) -> bool:
        return Booking.objects.filter(fitness_class_id=_parse_id(class_id)).exists()

    def delete(self, fitness_class: entities.FitnessClass) -> None:
        """Delete the row (its series' occurrence of that date stays, without it). A booking
        would refuse it (PROTECT); the entity refused before that."""
        FitnessClass.objects.filter(pk=_parse_id(fitness_class.id)).delete()
