"""The ORM adapter of the ClassRepository port: a class row and who is booked on it."""

import uuid

from bookings.models import Booking
from classes.models import FitnessClass
from domain import entities
from domain.entities import SPOT_HOLDING_STATUSES
from domain.exceptions import ClassNotFoundException


def to_entity(row: FitnessClass, booked_member_ids: list[str]) -> entities.FitnessClass:
    return entities.FitnessClass(
        class_id=str(row.pk),
        name=row.name,
        capacity=row.capacity,
        starts_at=row.starts_at,
        duration=row.ends_at - row.starts_at,
        description=row.description,
        instructor=row.instructor,
        location=row.location,
        booked_member_ids=booked_member_ids,
        cancelled_at=row.cancelled_at,
        cancellation_reason=row.cancellation_reason,
    )


def to_fields(fitness_class: entities.FitnessClass) -> dict[str, object]:
    """The class's own columns."""
    return {
        "name": fitness_class.name,
        "description": fitness_class.description,
        "instructor": fitness_class.instructor,
        "location": fitness_class.location,
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


class DjangoClassRepository:
    """Classes with their confirmed bookings' members: two queries to load, one to save."""

    def get_by_id(self, class_id: str, *, for_update: bool = False) -> entities.FitnessClass:
        """The class and the members of its confirmed bookings.

        With `for_update` only the class row is locked: everything that takes a spot locks it
        first, so the bookings read after the lock cannot change until the transaction ends.
        """
        classes = (
            FitnessClass.objects.select_for_update() if for_update else FitnessClass.objects.all()
        )
        try:
            row = classes.get(pk=_parse_id(class_id))
        except FitnessClass.DoesNotExist:
            raise ClassNotFoundException() from None
        booked = Booking.objects.filter(
            fitness_class_id=row.pk, status__in=SPOT_HOLDING_STATUSES
        ).order_by("member_id")
        return to_entity(row, [str(pk) for pk in booked.values_list("member_id", flat=True)])

    def save(self, fitness_class: entities.FitnessClass) -> None:
        """Write the class's own columns; bookings are saved through their own repository."""
        fields = to_fields(fitness_class)
        if not FitnessClass.objects.filter(pk=fitness_class.id).update(**fields):
            FitnessClass.objects.create(id=fitness_class.id, **fields)

    def ever_booked(self, class_id: str) -> bool:
        return Booking.objects.filter(fitness_class_id=_parse_id(class_id)).exists()

    def delete(self, fitness_class: entities.FitnessClass) -> None:
        """Delete the row (its series' occurrence of that date stays, without it). A booking
        would refuse it (PROTECT); the entity refused before that."""
        FitnessClass.objects.filter(pk=_parse_id(fitness_class.id)).delete()
