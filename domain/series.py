"""A class series: the recurring schedule that a gym's sessions are generated from.

“Spin, Mondays and Wednesdays at 18:00 for 45 minutes, from 5 January” is one `ClassSeries`;
each session generated from it is an ordinary `FitnessClass`, booked, edited and cancelled on
its own.

The start time is a local wall-clock time, so a session stays at 18:00 on its location's clock
when the clocks change; start moments are computed in the series' location's time zone
(`ClassSeries.clock`) and returned in UTC (`session_starts`). Two corner cases of the clock
change are settled the way the clocks are: a start time that does not exist that day (the
hour skipped in spring) is moved on by the length of the gap (01:30 becomes 02:30), and one
that happens twice (the hour repeated in autumn) is the first of the two.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from domain.entities import CAPACITY_RULE, Entity, FitnessClass, is_valid_capacity
from domain.events import ClassScheduled
from domain.exceptions import DomainException, NotFoundException
from domain.locations import Closure
from domain.values import is_positive_int, new_id

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DURATION = timedelta(hours=24)
MAX_WEEKS_AHEAD = 52

# What a series hands on to its sessions besides their time: staff may change these on a
# booked session too (after confirming), never its time.
DETAIL_FIELDS = ("name", "description", "instructor", "location", "capacity")
# What decides when the sessions are.
SCHEDULE_FIELDS = ("weekdays", "start_time", "duration", "first_date", "last_date")


class InvalidSeriesException(DomainException):
    default_message = (
        "A series needs a name, at least one weekday, a start time, a duration, a capacity "
        "and a first date."
    )


class SeriesNotFoundException(NotFoundException):
    default_message = "That class series does not exist."


class SessionClashException(DomainException):
    default_message = (
        "Another session of this series starts at that time: choose another time, or change "
        "that session instead."
    )


@dataclass(eq=False)
class ClassSeries(Entity):
    """A recurring class: which weekdays, at what local time, for how long, from when to when.

    Built valid or not at all (`InvalidSeriesException` says what is wrong). Treat it as a
    value: `changed(...)` gives a new, validated series with the same id.
    """

    series_id: str
    name: str
    weekdays: frozenset[int]
    start_time: time
    duration: timedelta
    capacity: int
    first_date: date
    last_date: date | None = None
    description: str = ""
    instructor: str = ""
    location: str = ""
    # The IANA name of the location's clock, read with the series ("" when not read).
    time_zone: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        Entity.__init__(self)
        self.name = self.name.strip() if isinstance(self.name, str) else ""
        if not self.name:
            raise InvalidSeriesException("Give the series a name.")
        self.weekdays = _valid_weekdays(self.weekdays)
        if not isinstance(self.start_time, time) or self.start_time.tzinfo is not None:
            raise InvalidSeriesException(
                "The start time is a time on the gym's clock, without a time zone."
            )
        if not isinstance(self.duration, timedelta) or not (
            timedelta(0) < self.duration <= MAX_DURATION
        ):
            raise InvalidSeriesException(
                "A session lasts longer than 0 minutes and at most 24 hours."
            )
        if not is_valid_capacity(self.capacity):
            raise InvalidSeriesException(CAPACITY_RULE)
        if not _is_date(self.first_date):
            raise InvalidSeriesException("Give the date of the first session.")
        if self.last_date is not None:
            if not _is_date(self.last_date):
                raise InvalidSeriesException("The last date must be a date, or left empty.")
            if self.last_date < self.first_date:
                raise InvalidSeriesException("The last date cannot be before the first date.")

    @classmethod
    def create(cls, **details: object) -> "ClassSeries":
        """A new series with a fresh id."""
        return cls(series_id=new_id(), **details)

    @property
    def id(self) -> str:
        return self.series_id

    def changed(self, **changes: object) -> "ClassSeries":
        """A copy of this series with `changes` applied, validated as a new series is."""
        if "series_id" in changes:
            raise TypeError("a series keeps its id")
        return replace(self, **changes)

    def differences(self, other: "ClassSeries") -> tuple[str, ...]:
        """The names of the fields whose values differ between this series and `other`."""
        return tuple(
            f.name
            for f in fields(self)
            if f.compare
            and f.name != "series_id"
            and getattr(self, f.name) != getattr(other, f.name)
        )

    def runs_on(self, day: date) -> bool:
        """Whether the series has a session on the local date `day`."""
        return (
            day.weekday() in self.weekdays
            and self.first_date <= day
            and (self.last_date is None or day <= self.last_date)
        )

    def clock(self, default: tzinfo) -> tzinfo:
        """The zone its sessions' local times are on: its location's, else `default` (the
        installation's)."""
        return ZoneInfo(self.time_zone) if self.time_zone else default

    def has_ended(self, today: date) -> bool:
        return self.last_date is not None and self.last_date < today

    def session_starts(self, start: date, end: date, zone: tzinfo) -> list[datetime]:
        """See the module function `session_starts`."""
        return session_starts(self, start, end, zone)

    def new_session(self, starts_at: datetime, *, class_id: str | None = None) -> FitnessClass:
        """The session of this series starting at `starts_at`: a class with the series'
        details. Call `record_scheduled` once it is stored."""
        return FitnessClass(
            class_id or new_id(),
            self.name,
            self.capacity,
            starts_at=starts_at,
            duration=self.duration,
            description=self.description,
            instructor=self.instructor,
            location=self.location,
        )

    def record_scheduled(self, session: FitnessClass, *, now: datetime) -> None:
        """Record that `session` was added to the schedule from this series."""
        self._record(
            ClassScheduled(
                class_id=session.id,
                series_id=self.series_id,
                starts_at=session.starts_at,
                occurred_at=now,
            )
        )


@dataclass(frozen=True)
class SessionPlan:
    """What generating a series over some dates should do: the starts of the sessions to
    create, and how many of its dates already had theirs."""

    to_create: tuple[datetime, ...]
    skipped: int
    # The dates whose session the location's closures leave out, each with its closure.
    closed: tuple[tuple[date, Closure], ...] = ()


def plan_sessions(
    series: ClassSeries,
    first: date,
    last: date,
    zone: tzinfo,
    *,
    scheduled_dates: Iterable[date],
    now: datetime,
    closures: Iterable[Closure] = (),
) -> SessionPlan:
    """The sessions of `series` to create on the local dates from `first` to `last`.

    A series has at most one session per local date, and each date is generated once:
    `scheduled_dates` are the dates the series has ever had a session for (remembered even
    after staff moved that session to another day or deleted it) and the dates its sessions
    are on now. Those are skipped, so a session staff moved, cancelled or deleted never comes
    back. Sessions that would start before `now` are not created, nor those on a day the
    location is closed (`closures`): those are reported in `closed`, and come back when the
    closure is lifted and the series generated again.
    """
    taken = set(scheduled_dates)
    closures = tuple(closures)
    to_create: list[datetime] = []
    closed: list[tuple[date, Closure]] = []
    skipped = 0
    for starts_at in series.session_starts(first, last, zone):
        if starts_at <= now:
            continue
        day = starts_at.astimezone(zone).date()
        closure = next((closure for closure in closures if closure.covers(day)), None)
        if day in taken:
            skipped += 1
        elif closure is not None:
            closed.append((day, closure))
        else:
            to_create.append(starts_at)
    return SessionPlan(tuple(to_create), skipped, tuple(closed))


def ensure_no_clash(starts_at: datetime, other_starts: Iterable[datetime]) -> None:
    """A session of a series moved to `starts_at` must not start with another of its
    sessions (`other_starts`): the series would have two sessions at one moment."""
    if starts_at in set(other_starts):
        raise SessionClashException()


def local_start(day: date, start_time: time, zone: tzinfo) -> datetime:
    """The moment (in UTC) at which the clock of `zone` (the series' location's) shows
    `start_time` on `day`.

    A time skipped by the clocks going forward is moved on by the gap; a time repeated by the
    clocks going back is its first occurrence (`fold=0`, as `zoneinfo` reads it).
    """
    return datetime.combine(day, start_time, tzinfo=zone).astimezone(UTC)


def session_starts(series: ClassSeries, start: date, end: date, zone: tzinfo) -> list[datetime]:
    """The start moments (UTC, in order) of the series' sessions on the local dates from
    `start` to `end`, both included. Each is `series.start_time` on the clock of `zone` (its
    location's, `ClassSeries.clock`), whatever the clocks did in between."""
    if start > end:
        return []
    first = max(start, series.first_date)
    last = end if series.last_date is None else min(end, series.last_date)
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return [local_start(day, series.start_time, zone) for day in days if series.runs_on(day)]


def weeks_ahead(today: date, weeks: int) -> tuple[date, date]:
    """The local dates sessions are generated for: `weeks` whole weeks from `today`
    (today included), as (first, last)."""
    if not is_positive_int(weeks) or weeks > MAX_WEEKS_AHEAD:
        raise InvalidSeriesException(
            f"Sessions are generated from 1 to {MAX_WEEKS_AHEAD} weeks ahead."
        )
    return today, today + timedelta(days=7 * weeks - 1)


def describe_weekdays(weekdays: Iterable[int]) -> str:
    """“Mon, Wed, Fri”."""
    return ", ".join(WEEKDAY_NAMES[day][:3] for day in sorted(weekdays))


def _valid_weekdays(weekdays: object) -> frozenset[int]:
    if isinstance(weekdays, str | bytes) or not isinstance(weekdays, Iterable):
        raise InvalidSeriesException("Choose the weekdays the series runs on.")
    days = list(weekdays)
    if any(not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6 for day in days):
        raise InvalidSeriesException("Weekdays are numbered from 0 (Monday) to 6 (Sunday).")
    if not days:
        raise InvalidSeriesException("Choose at least one weekday.")
    return frozenset(days)


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
