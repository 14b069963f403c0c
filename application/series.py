"""The recurring schedule: generating a series' sessions, and changing a series.

Sessions are ordinary classes that remember the series they came from. Two promises:

- Generating is idempotent. A series has at most one session per local date, and remembers
  every date it generated a session for (an occurrence), even after staff moved that session
  to another day or deleted it: a date that has, or ever had, its session is skipped, so a
  session moved, cancelled or deleted on its own is never generated again, and running twice
  creates nothing the second time. The database backs this with unique (series, date) and
  (series, starts_at) constraints. A date the series itself drops (a change of weekdays)
  is forgotten with its session, so it comes back if the series takes the weekday back.
- A day the series' location is closed gets no session, and the summary says which were
  skipped and why; the date is not remembered, so lifting the closure brings it back.
- One bad series does not stop the others: generating every series reports the ones that
  failed (`GenerationSummary.failed`) and carries on.
- Changing a series never touches a session somebody has booked or is waiting for without
  asking. `UpdateSeriesUseCase.execute` brings the upcoming sessions nobody has booked in line
  and reports the others; `apply_to_booked` is the explicit second step for those, and it
  hands on the details and the capacity only (the capacity through the class's own
  `change_capacity`, so its rules and events hold). Times of booked sessions are never changed
  from the series.

Locking: the series row first (generating and changing one series run one after the other),
then its class rows in primary-key order; the class rows are the ones booking locks, so no
booking can slip into a session while it is being changed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from application.use_cases import UseCase
from domain.entities import FitnessClass
from domain.exceptions import DomainException
from domain.locations import Closure
from domain.series import (
    DETAIL_FIELDS,
    SCHEDULE_FIELDS,
    ClassSeries,
    local_start,
    plan_sessions,
    weeks_ahead,
)
from domain.values import describe_count

DEFAULT_WEEKS_AHEAD = 4
ONE_DAY = timedelta(days=1)


# --- Generating ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesGenerated:
    """What generating did for one series (or would do, in a dry run)."""

    series_id: str
    name: str
    created: tuple[datetime, ...]  # starts of the new sessions
    skipped: int  # dates in the window that already had their session
    closed: tuple[tuple[date, Closure], ...] = ()  # dates left out: the location is closed


@dataclass(frozen=True)
class SeriesFailed:
    """A series that could not be generated, and why (its other series were)."""

    series_id: str
    name: str
    error: str


@dataclass(frozen=True)
class GenerationSummary:
    results: tuple[SeriesGenerated, ...]
    first_date: date
    last_date: date
    dry_run: bool = False
    failed: tuple[SeriesFailed, ...] = ()

    @property
    def created(self) -> int:
        return sum(len(result.created) for result in self.results)

    @property
    def skipped(self) -> int:
        return sum(result.skipped for result in self.results)

    @property
    def closed(self) -> int:
        return sum(len(result.closed) for result in self.results)

    def describe_closed(self) -> str:
        """“Skipped 1 session on a day its location is closed: Yoga on 25 Dec (Christmas).”"""
        days = [
            f"{result.name} on {day:%d %b}" + (f" ({closure.reason})" if closure.reason else "")
            for result in self.results
            for day, closure in result.closed
        ]
        if not days:
            return ""
        verb = "Would skip" if self.dry_run else "Skipped"
        on = "a day its location is" if len(days) == 1 else "days their location is"
        count = describe_count(len(days), "session", "sessions")
        return f" {verb} {count} on {on} closed: {', '.join(days)}."

    def describe(self) -> str:
        """“Created 12 sessions for 3 series from 02 Mar to 29 Mar 2030 (4 already there).”"""
        created = describe_count(self.created, "session", "sessions")
        verb = "Would create" if self.dry_run else "Created"
        period = f"{self.first_date:%d %b} to {self.last_date:%d %b %Y}"
        line = (
            f"{verb} {created} for {describe_count(len(self.results), 'series', 'series')} from "
            f"{period} ({self.skipped} already there)."
        ) + self.describe_closed()
        if self.failed:
            failed = "; ".join(f"{one.name}: {one.error}" for one in self.failed)
            line += f" {describe_count(len(self.failed), 'series', 'series')} failed — {failed}"
        return f"{line} Dry run: nothing was saved." if self.dry_run else line


@dataclass(kw_only=True)
class GenerateClassesUseCase(UseCase):
    """Create the missing sessions of the running series, from today up to `weeks` ahead.

    Each series is generated in a transaction of its own, under its row lock: two runs at
    once wait for each other per series, and the second finds everything there. Sessions that
    would start before now (earlier today) are not created. Every new session records
    `ClassScheduled`. When every running series is generated, one that is refused (its stored
    details no longer make a series, say) is reported in `failed` and the others still get
    their sessions; a single series asked for by id raises its refusal.

    A series' sessions are on its location's clock (`ClassSeries.clock`); the weeks ahead are
    counted from today on the installation's (`zone`), whose dates are at most a day off any
    location's (sessions that would start before now are never made).
    """

    zone: tzinfo

    def execute(
        self,
        weeks: int = DEFAULT_WEEKS_AHEAD,
        *,
        series_id: str | None = None,
        dry_run: bool = False,
    ) -> GenerationSummary:
        """Generate for one series (`series_id`, even if it has ended) or every running one."""
        today = self._today()
        first, last = weeks_ahead(today, weeks)
        if series_id is not None:
            ids = [series_id]
        else:
            with self.uow() as uow:
                ids = uow.series.running_ids(today)
        results: list[SeriesGenerated] = []
        failed: list[SeriesFailed] = []
        for one in ids:
            try:
                results.append(self._generate(one, first, last, dry_run=dry_run))
            except DomainException as refusal:
                if series_id is not None:
                    raise
                failed.append(SeriesFailed(one, self._name_of(one), str(refusal)))
        return GenerationSummary(tuple(results), first, last, dry_run=dry_run, failed=tuple(failed))

    def _name_of(self, series_id: str) -> str:
        with self.uow() as uow:
            return uow.series.name_of(series_id)

    def _today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def _generate(
        self, series_id: str, first: date, last: date, *, dry_run: bool
    ) -> SeriesGenerated:
        with self.uow() as uow:
            series = uow.series.get_by_id(series_id, for_update=not dry_run)
            now = self.clock.now()
            zone = series.clock(self.zone)
            scheduled = [
                *uow.sessions.scheduled_dates(series.id),
                *(start.astimezone(zone).date() for start in uow.sessions.starts_of(series.id)),
            ]
            # The location's dates are at most a day off the installation's.
            closures = uow.series.closures_of(series.id, first - ONE_DAY, last + ONE_DAY)
            plan = plan_sessions(
                series, first, last, zone, scheduled_dates=scheduled, now=now, closures=closures
            )
            if dry_run:
                return SeriesGenerated(
                    series.id, series.name, plan.to_create, plan.skipped, plan.closed
                )
            created: list[datetime] = []
            skipped = plan.skipped
            for starts_at in plan.to_create:
                session = series.new_session(starts_at)
                if uow.sessions.add(series.id, session, on=starts_at.astimezone(zone).date()):
                    series.record_scheduled(session, now=now)
                    created.append(starts_at)
                else:  # another run got there first (the database's unique constraints)
                    skipped += 1
        return SeriesGenerated(series.id, series.name, tuple(created), skipped, plan.closed)


# --- Changing a series ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldSession:
    """An upcoming session left as it was because somebody has booked it or waits for it."""

    class_id: str
    starts_at: datetime


@dataclass(frozen=True)
class SeriesUpdate:
    """What changing a series did."""

    series: ClassSeries
    changed: tuple[str, ...]  # the series' fields that changed
    updated: int  # sessions nobody had booked, brought in line
    removed: int  # sessions nobody had booked whose date left the schedule
    held: tuple[HeldSession, ...]  # booked sessions left alone

    @property
    def details_changed(self) -> tuple[str, ...]:
        return tuple(name for name in self.changed if name in DETAIL_FIELDS)

    @property
    def schedule_changed(self) -> tuple[str, ...]:
        return tuple(name for name in self.changed if name in SCHEDULE_FIELDS)


@dataclass(frozen=True)
class SessionChange:
    """A booked session whose details differ from its series': what applying would change."""

    class_id: str
    starts_at: datetime
    confirmed: int
    waiting: int
    changes: tuple[tuple[str, object, object], ...]  # (field, session's value, series' value)


@dataclass(frozen=True)
class BookedSessionsUpdate:
    """What the second step did: sessions given the series' details, and refusals."""

    updated: tuple[str, ...]  # class ids
    refused: tuple[tuple[str, datetime | None, str], ...]  # (class id, starts at, why)


@dataclass(kw_only=True)
class UpdateSeriesUseCase(UseCase):
    """Change a series; its upcoming sessions follow unless somebody has booked them.

    A session's field follows the series only while it still has the series' old value: a
    session edited on its own (a stand-in instructor, a later start) keeps what it was given.
    A session nobody has booked whose date is no longer on the schedule is removed; the
    dates the schedule gains are filled by the next generation.
    """

    zone: tzinfo

    def execute(self, series_id: str, **changes: object) -> SeriesUpdate:
        """Step one: save the series; the upcoming sessions nobody has booked follow it."""
        with self.uow() as uow:
            old = uow.series.get_by_id(series_id, for_update=True)
            now = self.clock.now()
            new = old.changed(**changes)
            changed = old.differences(new)
            uow.series.save(new)
            if "location" in changed:
                new = uow.series.get_by_id(series_id)  # with its new location's clock
            updated = removed = 0
            held: list[HeldSession] = []
            if changed:
                for session in uow.sessions.upcoming(series_id, now, for_update=True):
                    if session.cancelled:
                        continue
                    if session.has_bookings:
                        held.append(HeldSession(session.class_id, session.starts_at))
                        continue
                    fitness_class = uow.classes.get_by_id(session.class_id)
                    day = fitness_class.starts_at.astimezone(old.clock(self.zone)).date()
                    if old.runs_on(day) and not new.runs_on(day):
                        if uow.sessions.remove(session.class_id):
                            fitness_class.delete(
                                now=now, waiting=0, ever_booked=False, series_id=series_id
                            )
                            removed += 1
                        continue
                    self._follow(old, new, fitness_class, now)
                    uow.classes.save(fitness_class)
                    updated += 1
        return SeriesUpdate(new, changed, updated, removed, tuple(held))

    def booked_sessions_to_confirm(self, series_id: str) -> list[SessionChange]:
        """The upcoming booked sessions whose details or capacity differ from the series':
        what the second step would change, for staff to confirm."""
        with self.uow() as uow:
            series = uow.series.get_by_id(series_id)
            upcoming = uow.sessions.upcoming(series_id, self.clock.now())
        return [
            SessionChange(
                session.class_id,
                session.starts_at,
                session.confirmed,
                session.waiting,
                session.differences_from(series),
            )
            for session in upcoming
            if not session.cancelled and session.has_bookings and session.differences_from(series)
        ]

    def apply_to_booked(self, series_id: str, class_ids: Iterable[str]) -> BookedSessionsUpdate:
        """Step two, once staff confirmed: give the chosen upcoming sessions of the series its
        details and capacity, bookings or not. Their times stay as they are. A capacity below
        a session's confirmed bookings is refused for that session (its details still
        change); a session that has started, been cancelled or is not the series' is refused."""
        chosen = set(class_ids)
        updated: list[str] = []
        refused: list[tuple[str, datetime | None, str]] = []
        with self.uow() as uow:
            series = uow.series.get_by_id(series_id, for_update=True)
            now = self.clock.now()
            upcoming = {
                session.class_id: session
                for session in uow.sessions.upcoming(series_id, now, for_update=True)
            }
            for class_id in sorted(chosen - upcoming.keys()):
                refused.append((class_id, None, "It is not an upcoming session of this series."))
            for session in upcoming.values():
                if session.class_id not in chosen:
                    continue
                if session.cancelled:
                    refused.append(
                        (session.class_id, session.starts_at, "This class has been cancelled.")
                    )
                    continue
                given = uow.classes.get_by_id(session.class_id)
                given.change_details(now=now, **{name: getattr(series, name) for name in DETAILS})
                if given.capacity != series.capacity:
                    try:
                        given.change_capacity(series.capacity, now=now)
                    except DomainException as refusal:  # the details change all the same
                        refused.append((session.class_id, session.starts_at, str(refusal)))
                uow.classes.save(given)
                updated.append(session.class_id)
        return BookedSessionsUpdate(tuple(updated), tuple(refused))

    # --- helpers -------------------------------------------------------------------------------

    def _follow(
        self, old: ClassSeries, new: ClassSeries, fitness_class: FitnessClass, now: datetime
    ) -> None:
        """Give each field of `fitness_class` that still has the series' old value the new
        one, through the entity (so each change records its event). Nobody is booked on it,
        so it moves and resizes freely. A session that moves with the series to another
        location keeps its local time, on the new location's clock."""
        fitness_class.change_details(
            now=now,
            **{
                name: getattr(new, name)
                for name in DETAILS
                if getattr(fitness_class, name) == getattr(old, name)
            },
        )
        starts_at = fitness_class.starts_at
        zone = old.clock(self.zone)  # the series' location's clock
        local = starts_at.astimezone(zone)
        relocated = fitness_class.location == new.location != old.location
        clock = new.clock(self.zone) if relocated else zone
        wall = new.start_time if local.time() == old.start_time else local.time()
        if (wall, clock) != (local.time(), zone):
            moved = local_start(local.date(), wall, clock)
            starts_at = moved if moved > now else starts_at  # never into the past
        duration = (
            new.duration if fitness_class.duration == old.duration else fitness_class.duration
        )
        fitness_class.reschedule(starts_at, duration, now=now)
        if fitness_class.capacity == old.capacity != new.capacity:
            fitness_class.change_capacity(new.capacity, now=now)


# What a session takes from its series besides its time and capacity.
DETAILS = ("name", "description", "instructor", "location")
