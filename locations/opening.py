"""A location's opening rules as the domain knows them (`domain.locations.OpeningRules`),
read from its hours and closures: the one place that turns those rows into the rule."""

from collections import defaultdict
from datetime import date

from domain.locations import Closure, OpeningInterval, OpeningRules
from locations.models import Closure as ClosureRow
from locations.models import Location, OpeningHours
from web.formatting import zone_of


def rules_from(location_name: str, zone_name: str, hours, closures) -> OpeningRules:
    """The rule, from rows of hours (weekday, opens, closes) and closures."""
    by_weekday: dict[int, list[OpeningInterval]] = defaultdict(list)
    for row in hours:
        by_weekday[row.weekday].append(OpeningInterval(row.opens, row.closes))
    return OpeningRules(
        location=location_name,
        time_zone=zone_of(zone_name),
        hours={weekday: tuple(intervals) for weekday, intervals in by_weekday.items()},
        closures=tuple(Closure(row.first_day, row.last_day, row.reason) for row in closures),
    )


def opening_rules(location: Location, *, closures_from: date | None = None) -> OpeningRules:
    """`location`'s rules: two queries (its closures ending on or after `closures_from`
    only, when given: the past ones decide nothing new)."""
    closures = ClosureRow.objects.filter(location=location)
    if closures_from is not None:
        closures = closures.filter(last_day__gte=closures_from)
    return rules_from(
        location.name,
        location.time_zone,
        OpeningHours.objects.filter(location=location),
        closures,
    )
