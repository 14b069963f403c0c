"""The ORM adapters of the series ports (`application/series.py`): a series row, the sessions
(class rows) generated from it, and the dates it generated them for (occurrence rows, kept
when staff move or delete a session)."""

import uuid
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from application.ports import SeriesSession
from bookings.models import Booking, WaitlistEntry
from classes import locations
from classes.models import ClassSeries, FitnessClass, SeriesOccurrence
from classes.repositories import to_fields
from domain import entities, series
from domain.entities import BookingStatus
from domain.locations import Closure
from domain.series import SeriesNotFoundException
from locations.models import Closure as ClosureRow


def to_entity(row: ClassSeries) -> series.ClassSeries:
    """The entity of `row`, read with its location (`select_related`)."""
    return series.ClassSeries(
        series_id=str(row.pk),
        name=row.name,
        weekdays=frozenset(row.weekdays),
        start_time=row.start_time,
        duration=timedelta(minutes=row.duration_minutes),
        capacity=row.capacity,
        first_date=row.first_date,
        last_date=row.last_date,
        description=row.description,
        instructor=row.instructor,
        location=row.location.name,
        time_zone=row.location.time_zone,
    )


def to_row_fields(class_series: series.ClassSeries) -> dict[str, object]:
    """The series' columns. The duration is kept in whole minutes."""
    return {
        "name": class_series.name,
        "description": class_series.description,
        "instructor": class_series.instructor,
        "location_id": locations.named(class_series.location),
        "weekdays": sorted(class_series.weekdays),
        "start_time": class_series.start_time,
        "duration_minutes": int(class_series.duration.total_seconds() // 60),
        "capacity": class_series.capacity,
        "first_date": class_series.first_date,
        "last_date": class_series.last_date,
    }


def _parse_id(series_id: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(series_id))
    except ValueError:
        raise SeriesNotFoundException() from None


class DjangoClassSeriesRepository:
    def get_by_id(self, series_id: str, *, for_update: bool = False) -> series.ClassSeries:
        rows = ClassSeries.objects.select_related("location")
        if for_update:
            rows = rows.select_for_update(of=("self",))  # not the location's row
        try:
            return to_entity(rows.get(pk=_parse_id(series_id)))
        except ClassSeries.DoesNotExist:
            raise SeriesNotFoundException() from None

    def running_ids(self, today: date) -> list[str]:
        running = ClassSeries.objects.filter(Q(last_date__isnull=True) | Q(last_date__gte=today))
        return [str(pk) for pk in running.order_by("pk").values_list("pk", flat=True)]

    def name_of(self, series_id: str) -> str:
        try:
            return ClassSeries.objects.values_list("name", flat=True).get(pk=_parse_id(series_id))
        except ClassSeries.DoesNotExist:
            raise SeriesNotFoundException() from None

    def closures_of(self, series_id: str, first: date, last: date) -> tuple[Closure, ...]:
        location = ClassSeries.objects.filter(pk=_parse_id(series_id)).values("location_id")
        rows = ClosureRow.objects.filter(
            location_id__in=location, first_day__lte=last, last_day__gte=first
        )
        return tuple(Closure(row.first_day, row.last_day, row.reason) for row in rows)

    def save(self, class_series: series.ClassSeries) -> None:
        fields = to_row_fields(class_series)
        kept_room = locations.room_kept_at(class_series.location)
        rows = ClassSeries.objects.filter(pk=class_series.id)
        if not rows.update(**fields, room_id=kept_room):
            ClassSeries.objects.create(id=class_series.id, **fields)


def _count(rows: QuerySet) -> Coalesce:
    """How many of `rows` (filtered on an `OuterRef`) there are, as a subquery (0 when none)."""
    counted = rows.order_by().values("fitness_class").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def with_people(classes: QuerySet[FitnessClass]) -> QuerySet[FitnessClass]:
    """`classes` annotated with `confirmed_count`, `bookings_count` (any status) and
    `waiting_count`, in the same query."""
    bookings = Booking.objects.filter(fitness_class=OuterRef("pk"))
    return classes.annotate(
        confirmed_count=_count(bookings.filter(status=BookingStatus.CONFIRMED)),
        bookings_count=_count(bookings),
        waiting_count=_count(WaitlistEntry.objects.filter(fitness_class=OuterRef("pk"))),
    )


class DjangoSeriesSessionRepository:
    """Sessions of a series: class rows whose `series` is set."""

    def starts_of(self, series_id: str) -> list[datetime]:
        sessions = FitnessClass.objects.filter(series_id=_parse_id(series_id))
        return list(sessions.order_by("starts_at").values_list("starts_at", flat=True))

    def scheduled_dates(self, series_id: str) -> list[date]:
        occurrences = SeriesOccurrence.objects.filter(series_id=_parse_id(series_id))
        return list(occurrences.order_by("date").values_list("date", flat=True))

    def series_of(self, class_id: str) -> str | None:
        try:
            pk = uuid.UUID(str(class_id))
        except ValueError:
            return None
        found = FitnessClass.objects.filter(pk=pk).values_list("series_id", flat=True).first()
        return None if found is None else str(found)

    def upcoming(
        self, series_id: str, after: datetime, *, for_update: bool = False
    ) -> list[SeriesSession]:
        sessions = FitnessClass.objects.filter(series_id=_parse_id(series_id), starts_at__gt=after)
        if for_update:
            # Lock first, count afterwards: a count read in the locking statement could miss a
            # booking committed while it waited for the lock.
            list(sessions.select_for_update().order_by("pk").values_list("pk", flat=True))
        return [
            SeriesSession(
                class_id=str(row.pk),
                starts_at=row.starts_at,
                name=row.name,
                description=row.description,
                instructor=row.instructor,
                location=row.location.name,
                capacity=row.capacity,
                cancelled=row.cancelled_at is not None,
                confirmed=row.confirmed_count,
                bookings=row.bookings_count,
                waiting=row.waiting_count,
            )
            for row in with_people(sessions.select_related("location")).order_by("starts_at", "id")
        ]

    def add(self, series_id: str, session: entities.FitnessClass, *, on: date) -> bool:
        series_pk = _parse_id(series_id)
        try:
            with transaction.atomic():  # a savepoint: a refused insert leaves the rest intact
                created = FitnessClass.objects.create(
                    id=session.id,
                    series_id=series_pk,
                    room_id=Subquery(ClassSeries.objects.filter(pk=series_pk).values("room")),
                    **to_fields(session),
                )
                SeriesOccurrence.objects.create(series_id=series_pk, date=on, fitness_class=created)
        except IntegrityError:
            start_taken = FitnessClass.objects.filter(
                series_id=series_pk, starts_at=session.starts_at
            )
            date_taken = SeriesOccurrence.objects.filter(series_id=series_pk, date=on)
            if start_taken.exists() or date_taken.exists():
                return False
            raise
        return True

    def remove(self, class_id: str) -> bool:
        nobody = FitnessClass.objects.filter(pk=class_id).exclude(
            Exists(Booking.objects.filter(fitness_class=OuterRef("pk")))
        )
        nobody = nobody.exclude(Exists(WaitlistEntry.objects.filter(fitness_class=OuterRef("pk"))))
        # The series dropped the date: it forgets it with its session.
        SeriesOccurrence.objects.filter(fitness_class__in=nobody.values("pk")).delete()
        deleted, _ = nobody.delete()
        return bool(deleted)
