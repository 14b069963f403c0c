"""The classes the schedule and the class page show, with their counts, and the schedule's
filter choices: SQL written once.

These are the pages' hottest reads, and the ORM's building and compiling of their querysets
(two correlated subqueries each) cost more than the database's answer. Rows are still model
instances (`Model.objects.raw`, converted as the ORM converts them); the queries are those
`classes.queries.with_counts` and `classes_between` would make.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections

from bookings.models import Booking
from classes import locations
from classes.models import FitnessClass
from classes.queries import FilterChoices, filter_choices
from domain.entities import SPOT_HOLDING_STATUSES
from events import sql
from web import paging

HOLDING = sorted(status.value for status in SPOT_HOLDING_STATUSES)

# A class with `spots_taken` (the bookings holding a spot), `waiting_count` and its location.
WITH_COUNTS = (
    f"SELECT c.*, {locations.COLUMNS},"
    " (SELECT COUNT(*) FROM bookings_booking b WHERE b.fitness_class_id = c.id"
    f" AND b.status IN ({sql.marks(len(HOLDING))})) AS spots_taken,"
    " (SELECT COUNT(*) FROM bookings_waitlistentry w WHERE w.fitness_class_id = c.id)"
    " AS waiting_count FROM classes_fitnessclass c" + locations.JOIN
)
ONE_CLASS = WITH_COUNTS + " WHERE c.id = %s"
# Classes starting in [start, end), the chosen filters' conditions added, in order of start.
BETWEEN = " WHERE c.starts_at >= %s AND c.starts_at < %s"
DAY_PAGE = WITH_COUNTS + BETWEEN + "{filters} ORDER BY c.starts_at, c.id LIMIT %s OFFSET %s"
CHOICES = (
    "SELECT DISTINCT c.name, c.instructor, l.name FROM classes_fitnessclass c"
    + locations.JOIN
    + BETWEEN
)
# The fields the schedule filters on, and their columns (put into its statement as they are):
# a location is chosen by its name.
FILTERS = {"name": "c.name", "instructor": "c.instructor", "location": "l.name"}


def _holding() -> list[object]:
    return sql.db_values(Booking, "status", HOLDING)


def class_with_counts(class_id: uuid.UUID) -> FitnessClass | None:
    """One class with `spots_taken` and `waiting_count`, or None when there is none."""
    params = [*_holding(), *sql.values(FitnessClass, id=class_id)]
    row = next(iter(FitnessClass.objects.raw(ONE_CLASS, params)), None)
    return None if row is None else locations.with_location(row)


def day_page(
    start: datetime, end: datetime, chosen: Mapping[str, str], page: int, size: int
) -> paging.Window[FitnessClass]:
    """Page `page` of the classes starting in [start, end) that match the chosen filters
    (field → value, empty for any), `size` a page, with their counts: one query."""
    chosen_fields = {field: chosen[field] for field in FILTERS if chosen.get(field)}
    filters = "".join(f" AND {FILTERS[field]} = %s" for field in chosen_fields)
    params = [
        *_holding(),
        *sql.values(FitnessClass, starts_at=start),
        *sql.values(FitnessClass, starts_at=end),
        *chosen_fields.values(),
        size + 1,
        (page - 1) * size,
    ]
    rows = FitnessClass.objects.raw(DAY_PAGE.format(filters=filters), params)
    rows = [locations.with_location(row) for row in rows]
    return paging.window_of(rows, page, size)


def day_choices(start: datetime, end: datetime, chosen: Mapping[str, str]) -> FilterChoices:
    """The filter choices of every class starting in [start, end): one query."""
    params = [*sql.values(FitnessClass, starts_at=start), *sql.values(FitnessClass, starts_at=end)]
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(CHOICES, params)
        return filter_choices(cursor.fetchall(), chosen)
