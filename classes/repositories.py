"""The ORM adapter of the ClassRepository port: a class row and who is booked on it."""

import uuid

from django.db.models import CharField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast

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


def _spot_holders() -> QuerySet[Booking]:
    return Booking.objects.filter(status__in=SPOT_HOLDING_STATUSES)


def _booked_member_ids() -> Subquery:
    """The members holding a spot in the outer class, comma-separated (in no order: not
    every SQLite orders an aggregate)."""
    return Subquery(
        _spot_holders()
        .filter(fitness_class_id=OuterRef("pk"))
        .values("fitness_class_id")
        .annotate(ids=StringAgg(Cast("member_id", CharField()), Value(",")))
        .values("ids")
    )


def _member_ids(joined: str | None) -> list[str]:
    return sorted(str(uuid.UUID(pk)) for pk in joined.split(",")) if joined else []


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
        pk = _parse_id(class_id)
        if for_update:
            row = self._row(FitnessClass.objects.select_for_update(), pk)
            booked = _spot_holders().filter(fitness_class_id=pk).order_by("member_id")
            return to_entity(row, [str(m) for m in booked.values_list("member_id", flat=True)])
        row = self._row(FitnessClass.objects.annotate(booked_ids=_booked_member_ids()), pk)
        return to_entity(row, _member_ids(row.booked_ids))

    def _row(self, classes: QuerySet[FitnessClass], pk: uuid.UUID) -> FitnessClass:
        try:
            return classes.get(pk=pk)
        except FitnessClass.DoesNotExist:
            raise ClassNotFoundException() from None

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
