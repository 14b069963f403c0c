"""A location's opening rules as the domain knows them (`domain.locations.OpeningRules`),
read from its hours and closures: the one place that turns those rows into the rule."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, time, tzinfo

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.dateparse import parse_time

from domain.locations import Closure, OpeningInterval, OpeningRules
from events import sql
from locations.models import Closure as ClosureRow
from locations.models import Location, OpeningHours
from web.formatting import zone_of

# A location's weekly hours and its closures covering one day, in one statement: a closure
# row has no weekday.
ONE_DAY = (
    "SELECT h.weekday, h.opens, h.closes, '' FROM locations_openinghours h"
    " JOIN locations_location l ON l.id = h.location_id WHERE l.name = %s"
    " UNION ALL SELECT NULL, NULL, NULL, c.reason FROM locations_closure c"
    " JOIN locations_location l ON l.id = c.location_id"
    " WHERE l.name = %s AND c.first_day <= %s AND c.last_day >= %s"
)


def _rules(
    name: str,
    zone: str | tzinfo,
    hours: Iterable[tuple[int, time, time]],
    closures: Iterable[Closure],
) -> OpeningRules:
    by_weekday: dict[int, list[OpeningInterval]] = defaultdict(list)
    for weekday, opens, closes in hours:
        by_weekday[weekday].append(OpeningInterval(opens, closes))
    return OpeningRules(
        location=name,
        time_zone=zone_of(zone),
        hours={weekday: tuple(intervals) for weekday, intervals in by_weekday.items()},
        closures=tuple(closures),
    )


def opening_rules(location: Location, *, closures_from: date | None = None) -> OpeningRules:
    """`location`'s rules: two queries (only its closures ending on or after
    `closures_from`, when given: the past ones decide nothing new)."""
    closures = ClosureRow.objects.filter(location=location)
    if closures_from is not None:
        closures = closures.filter(last_day__gte=closures_from)
    return _rules(
        location.name,
        location.time_zone,
        OpeningHours.objects.filter(location=location).values_list("weekday", "opens", "closes"),
        (Closure(row.first_day, row.last_day, row.reason) for row in closures),
    )


class DjangoOpeningHours:
    """The opening-hours port: a location's rules by its name, in two queries."""

    def rules_at(self, location: str, since: date) -> OpeningRules:
        row = Location.objects.filter(name=location).first()
        if row is None:
            return OpeningRules(location=location)
        return opening_rules(row, closures_from=since)


def _time(value: time | str) -> time:
    """A time read by a cursor: PostgreSQL's are times, SQLite's text."""
    return value if isinstance(value, time) else parse_time(value)


def rules_on(location_name: str, zone: tzinfo, day: date) -> OpeningRules:
    """The rules of the location named `location_name` (on the clock `zone`) as they bear
    on `day`: its weekly hours and the closures covering that day (one query, for the
    schedule)."""
    [on] = sql.values(ClosureRow, first_day=day)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(ONE_DAY, [location_name, location_name, on, on])
        rows = cursor.fetchall()
    return _rules(
        location_name,
        zone,
        [(row[0], _time(row[1]), _time(row[2])) for row in rows if row[0] is not None],
        [Closure(day, day, row[3] or "") for row in rows if row[0] is None],
    )
