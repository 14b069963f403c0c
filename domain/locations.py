"""Where classes happen: a gym of the chain (a location, with its own clock) and its rooms.

A class names its location by the location's name (`FitnessClass.location`), so names are
unique within an installation; a room is named within its location.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.exceptions import DomainException

# The location classes are put in when nobody said where (and old classes that said nothing).
DEFAULT_LOCATION_NAME = "Main gym"


class InvalidLocationException(DomainException):
    default_message = "A location needs a name and a time zone."


def time_zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name` ("Europe/London"); refused with a message staff can act on."""
    cleaned = name.strip() if isinstance(name, str) else ""
    try:
        if not cleaned:
            raise ValueError(name)
        return ZoneInfo(cleaned)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidLocationException(
            f"“{name}” is not a time zone: give its IANA name, such as Europe/London or "
            "America/New_York."
        ) from None


@dataclass(frozen=True)
class Location:
    """A gym of the chain: where it is and which clock its classes keep."""

    name: str
    time_zone: ZoneInfo
    address: str = ""

    @classmethod
    def of(cls, name: str, time_zone: str, address: str = "") -> "Location":
        """A location from what staff typed, validated."""
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            raise InvalidLocationException("Give the location a name.")
        return cls(name=name, time_zone=time_zone_named(time_zone), address=address.strip())


def ensure_room_at(location_name: str, room_location_name: str | None) -> None:
    """Refuse a room (at `room_location_name`) for a class at another location."""
    if room_location_name is not None and room_location_name != location_name:
        raise InvalidLocationException(
            f"That room is at {room_location_name}, not at {location_name}: choose one of "
            f"{location_name}'s rooms, or no room."
        )


# --- Opening rules ---------------------------------------------------------------------------
# A location's weekly hours and closures, on its own clock. A location with no hours at all is
# open at all times, so a gym that never set any (and every location from before hours
# existed) behaves as it always did. Once some weekday has hours, a weekday without any is a
# closed day. Times are wall-clock times on the location's clock: a class is judged by what
# its clock shows, whatever daylight saving did to its offset.

WEEKDAY_PLURALS = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)
EN_DASH = "\u2013"  # between the times of an interval, as in print
# A Monday: the weekdays of a series are judged on the days of this week.
_A_MONDAY = date(2024, 1, 1)


class InvalidOpeningRulesException(DomainException):
    default_message = "Those opening rules do not make sense."


def _clock(value: time) -> str:
    return f"{value:%H:%M}"


@dataclass(frozen=True)
class OpeningInterval:
    """One stretch of a day the location is open: from `opens` to `closes`, same day."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise InvalidOpeningRulesException(
                f"Closing ({_clock(self.closes)}) must come after opening ({_clock(self.opens)})."
            )

    def holds(self, starts: time, ends: time) -> bool:
        return self.opens <= starts and ends <= self.closes

    def overlaps(self, other: "OpeningInterval") -> bool:
        return self.opens < other.closes and other.opens < self.closes

    def __str__(self) -> str:
        return f"{_clock(self.opens)}{EN_DASH}{_clock(self.closes)}"


@dataclass(frozen=True)
class Closure:
    """Days the location is closed, first and last included, on its clock."""

    first_day: date
    last_day: date
    reason: str = ""

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise InvalidOpeningRulesException(
                "The last day of a closure cannot be before its first day."
            )

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def ensure_no_overlap(intervals: Iterable[tuple[int, OpeningInterval]]) -> None:
    """Refuse two intervals of one weekday (0 is Monday) that overlap."""
    seen: dict[int, list[OpeningInterval]] = {}
    for weekday, interval in intervals:
        for other in seen.setdefault(weekday, []):
            if interval.overlaps(other):
                raise InvalidOpeningRulesException(
                    f"On {WEEKDAY_PLURALS[weekday]} the hours {other} and {interval} overlap: "
                    "give each stretch of the day once."
                )
        seen[weekday].append(interval)


def describe_hours(intervals: Iterable[OpeningInterval]) -> str:
    """A day's hours in words: each interval's times joined by an en dash, the intervals
    by commas and "and"."""
    texts = [str(interval) for interval in sorted(intervals, key=lambda i: i.opens)]
    return ", ".join(texts[:-1]) + f" and {texts[-1]}" if len(texts) > 1 else "".join(texts)


@dataclass(frozen=True)
class OpeningRules:
    """When `location` (its name) is open: weekly hours by weekday (0 is Monday) and
    closures, on the clock `time_zone`."""

    location: str
    time_zone: tzinfo = UTC
    hours: Mapping[int, tuple[OpeningInterval, ...]] = field(default_factory=dict)
    closures: tuple[Closure, ...] = ()

    def __post_init__(self) -> None:
        ensure_no_overlap(
            (weekday, interval) for weekday, day in self.hours.items() for interval in day
        )

    @property
    def has_hours(self) -> bool:
        return any(self.hours.values())

    def hours_on(self, weekday: int) -> tuple[OpeningInterval, ...]:
        return tuple(sorted(self.hours.get(weekday, ()), key=lambda interval: interval.opens))

    def closure_on(self, day: date) -> Closure | None:
        """The closure covering the local date `day`, if any (the first listed)."""
        return next((closure for closure in self.closures if closure.covers(day)), None)

    def refusal(self, starts_at: datetime, ends_at: datetime) -> str | None:
        """Why a class from `starts_at` to `ends_at` (aware moments) cannot run here, or
        None when it lies within opening hours and outside closures."""
        starts = starts_at.astimezone(self.time_zone).replace(tzinfo=None)
        ends = ends_at.astimezone(self.time_zone).replace(tzinfo=None)
        last_day = (ends - timedelta(microseconds=1)).date() if ends > starts else starts.date()
        day = starts.date()
        while day <= last_day:
            closure = self.closure_on(day)
            if closure is not None:
                because = f" ({closure.reason})" if closure.reason else ""
                return f"{self.location} is closed on {day:%d %b}{because}."
            day += timedelta(days=1)
        return self.weekly_refusal(starts, ends)

    def weekly_refusal(
        self, starts: datetime, ends: datetime, *, what: str = "a class"
    ) -> str | None:
        """Why `what` from `starts` to `ends` (naive wall-clock times on this location's
        clock) falls outside the weekly hours, or None."""
        if not self.has_hours:
            return None
        weekday = starts.weekday()
        intervals = self.hours_on(weekday)
        span = f"{what} from {starts:%H:%M} to {ends:%H:%M}"
        if not intervals:
            return f"{self.location} is closed on {WEEKDAY_PLURALS[weekday]}: {span} cannot run."
        opens = f"{self.location} opens {describe_hours(intervals)} on {WEEKDAY_PLURALS[weekday]}"
        if ends.date() != starts.date():  # hours end within their day
            return f"{opens}: {span} would run past closing."
        if any(interval.holds(starts.time(), ends.time()) for interval in intervals):
            return None
        if starts.time() < intervals[0].opens:
            return f"{opens}: {span} would start before opening."
        if any(interval.opens <= starts.time() < interval.closes for interval in intervals):
            return f"{opens}: {span} would run past closing."
        return f"{opens}: {span} would fall outside them."

    def series_refusal(
        self, weekdays: Iterable[int], start: time, duration: timedelta
    ) -> str | None:
        """Why sessions at `start` lasting `duration` on `weekdays` fall outside the weekly
        hours, or None (closures only skip a session's date: see `closure_on`)."""
        for weekday in sorted(weekdays):
            starts = datetime.combine(_A_MONDAY + timedelta(days=weekday), start)
            refusal = self.weekly_refusal(starts, starts + duration, what="a session")
            if refusal is not None:
                return refusal
        return None

    def describe_day(self, day: date) -> str:
        """The day's opening as the schedule says it: "Closed: Christmas", "Closed", "Open"
        and the hours; "" for a location open at all times."""
        closure = self.closure_on(day)
        if closure is not None:
            return f"Closed: {closure.reason}" if closure.reason else "Closed"
        if not self.has_hours:
            return ""
        intervals = self.hours_on(day.weekday())
        return f"Open {describe_hours(intervals)}" if intervals else "Closed"
