"""The classes the schedule and the class page show, with their counts, and the schedule's
filter choices: SQL written once.

These are the pages' hottest reads, and the ORM's building and compiling of their querysets
(two correlated subqueries each) cost more than the database's answer. Rows are still model
instances (`Model.objects.raw`, converted as the ORM converts them); the queries are those
`classes.queries.with_counts` and `classes_between` would make.
"""

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bookings.models import Booking
from classes import locations
from classes.models import FitnessClass
from classes.queries import FilterChoices, filter_choices
from domain.entities import SPOT_HOLDING_STATUSES
from domain.locations import Location
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
# Every location (the location menu; `{l}`, `{p}`, `{f}`: those of some ids only), the one asked
# for (or, when that names none, the first by name) joined with its classes starting in a window
# that holds the local days asked about: where its day begins is known only once its clock is
# read, here, in the same statement.
MENU = (
    "SELECT l.name, l.time_zone, c.name, c.instructor, c.starts_at, c.ends_at"
    " FROM locations_location l"
    " LEFT JOIN classes_fitnessclass c ON c.location_id = l.id"
    " AND l.id = COALESCE((SELECT p.id FROM locations_location p WHERE p.name = %s{p}),"
    " (SELECT f.id FROM locations_location f WHERE 1 = 1{f} ORDER BY f.name, f.id LIMIT 1))"
    " AND c.starts_at >= %s AND c.starts_at < %s WHERE 1 = 1{l} ORDER BY l.name, l.id"
)
# A local day lies within this much of the same UTC day (clocks run from UTC-12 to UTC+14).
WIDEST_OFFSET = timedelta(hours=14)
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


@dataclass(frozen=True)
class DayMenu:
    """The location whose day a page shows, that day's bounds on its clock, the filter menus'
    choices (every location; the names and instructors of its day's classes), and the ends of
    its day's classes (check-in opens at the first not over)."""

    location: Location
    day: date
    start: datetime
    end: datetime
    choices: FilterChoices
    ends: list[datetime]

    def over_by(self, now: datetime) -> int:
        """How many of the day's classes have ended by `now`."""
        return sum(end <= now for end in self.ends)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The start of `day` on `zone`'s clock (each day on its own: DST moves the offset)."""
    return datetime.combine(day, time.min, zone)


def _among(alias: str, ids: Collection[int] | None) -> tuple[str, list[int]]:
    """The condition keeping the locations `ids` (None: every one) of `alias`, and its
    parameters."""
    if ids is None:
        return "", []
    if not ids:
        return " AND 1 = 0", []
    return f" AND {alias}.id IN ({sql.marks(len(ids))})", sorted(ids)


def day_menu(
    preferred: str,
    day: Callable[[tzinfo], date],
    around: date,
    chosen: Mapping[str, str],
    among: Collection[int] | None = None,
) -> DayMenu:
    """The location named `preferred` (the first by name when it names none), its `day` (a
    function of its clock, within a day of `around`) and the menus: one query. `among`: the
    ids of the locations to choose from (None: every one). Without any location, a nameless
    one on the installation's clock (`TIME_ZONE`)."""
    utc_midnight = datetime.combine(around, time.min, UTC)
    window = (
        utc_midnight - timedelta(days=1) - WIDEST_OFFSET,
        utc_midnight + timedelta(days=2) + WIDEST_OFFSET,
    )
    scope = {alias: _among(alias, among) for alias in "pfl"}
    params = [
        preferred,
        *scope["p"][1],
        *scope["f"][1],
        *(sql.values(FitnessClass, starts_at=bound)[0] for bound in window),
        *scope["l"][1],
    ]
    statement = MENU.format(**{alias: condition for alias, (condition, _) in scope.items()})
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    names = [name for name, *_ in rows]
    if rows:
        name, zone_name = next(
            ((n, z) for n, z, *_ in rows if n == preferred), (rows[0][0], rows[0][1])
        )
        location = Location(name=name, time_zone=ZoneInfo(zone_name))
    else:  # no location yet: an empty day on the installation's clock
        location = Location(name="", time_zone=timezone.get_default_timezone())
        name = ""
    shown = day(location.time_zone)
    start = local_midnight(shown, location.time_zone)
    end = local_midnight(shown + timedelta(days=1), location.time_zone)
    days = [
        (class_name, instructor or "", ends_at)
        for _, _, class_name, instructor, starts_at, ends_at in rows
        if class_name is not None and start <= _moment(starts_at) < end
    ]
    choices = filter_choices(
        [(class_name, instructor, name) for class_name, instructor, _ in days],
        {**chosen, "location": name},
    )
    return DayMenu(
        location=location,
        day=shown,
        start=start,
        end=end,
        choices=replace(choices, locations=sorted(set(names), key=str.casefold)),
        ends=[_moment(ends_at) for *_, ends_at in days],
    )


def _moment(value: datetime | str) -> datetime:
    """A start read by a cursor, aware: PostgreSQL's are; SQLite's come naive, in UTC."""
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
