"""The numbers behind the staff report, counted by the database.

A report covers the classes *held* in a period at some locations: not cancelled, and started
on one of the period's days on their own location's clock (a class still to come is not
counted yet). Three
grouped queries read it, whatever the number of classes, bookings or events:

1. the classes themselves: how many, and their capacity;
2. their bookings, by status;
3. their waitlist events in the event log (joined, promoted) — waitlist entries themselves
   are deleted when members leave or are promoted, so the log is the only record of demand.
   `prune_history` keeps the log GYM_EVENT_RETENTION_DAYS (a year by default): a report on
   older days shows no waitlist demand. Classes and bookings are never pruned.

Each query groups by the class's name, its instructor or its location; the rates are worked
out from the counts (`ReportRow`), and the totals are the sums of the groups' counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, tzinfo
from fractions import Fraction

from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from bookings.models import Booking
from classes.models import FitnessClass
from domain.entities import SPOT_HOLDING_STATUSES, BookingStatus
from domain.events import MemberJoinedWaitlist, MemberPromotedFromWaitlist
from events.models import StoredEvent

JOINED = MemberJoinedWaitlist.__name__
PROMOTED = MemberPromotedFromWaitlist.__name__


class Grouping(models.TextChoices):
    CLASS = "class", "Class name"
    INSTRUCTOR = "instructor", "Instructor"
    LOCATION = "location", "Location"


# The class column each grouping reads.
GROUP_FIELDS = {
    Grouping.CLASS: "name",
    Grouping.INSTRUCTOR: "instructor",
    Grouping.LOCATION: "location__name",
}


@dataclass(frozen=True)
class Period:
    """Whole days, first to last inclusive, as the aware instants that bound them."""

    first_day: date
    last_day: date
    starts: datetime  # the first day's midnight in the gym's time zone
    ends: datetime  # exclusive: midnight after the last day

    @classmethod
    def of_days(cls, first_day: date, last_day: date, tz: tzinfo) -> Period:
        return cls(
            first_day=first_day,
            last_day=last_day,
            starts=datetime.combine(first_day, time.min, tzinfo=tz),
            ends=datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz),
        )


def ratio(numerator: int, denominator: int) -> Fraction | None:
    """numerator / denominator exactly; None when there is nothing to divide by."""
    return Fraction(numerator, denominator) if denominator else None


@dataclass(frozen=True)
class ReportRow:
    """The counts of one group (or of all), and the rates made from them."""

    group: str
    classes_held: int = 0
    capacity: int = 0
    booked: int = 0  # confirmed + attended + no-show: the spots taken
    bookings_made: int = 0  # every booking of these classes, whatever became of it
    attended: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    waitlist_joined: int = 0
    waitlist_promoted: int = 0

    @property
    def outcomes(self) -> int:
        """Bookings whose outcome is recorded: attended or not."""
        return self.attended + self.no_shows

    @property
    def fill_rate(self) -> Fraction | None:
        return ratio(self.booked, self.capacity)

    @property
    def waitlist_conversion(self) -> Fraction | None:
        return ratio(self.waitlist_promoted, self.waitlist_joined)

    @property
    def attendance_rate(self) -> Fraction | None:
        return ratio(self.attended, self.outcomes)

    @property
    def no_show_rate(self) -> Fraction | None:
        return ratio(self.no_shows, self.outcomes)

    @property
    def late_cancellation_rate(self) -> Fraction | None:
        return ratio(self.late_cancellations, self.bookings_made)


COUNTS = [f.name for f in fields(ReportRow) if f.name != "group"]


@dataclass(frozen=True)
class Report:
    period: Period
    grouping: Grouping
    rows: list[ReportRow]
    total: ReportRow


def on_their_clocks(period: Period, locations: Sequence[tuple[int, tzinfo]]) -> Q:
    """Classes of `locations` (id, clock) that started on one of the period's days on their
    own location's clock: one condition per location, so one query for them all."""
    days = Q(pk__in=[])
    for location_id, zone in locations:
        local = Period.of_days(period.first_day, period.last_day, zone)
        days |= Q(location_id=location_id, starts_at__gte=local.starts, starts_at__lt=local.ends)
    return days


def held_classes(
    period: Period, *, now: datetime, locations: Sequence[tuple[int, tzinfo]] | None = None
) -> QuerySet[FitnessClass]:
    """Classes not cancelled that started within the period (and so before `now`): at
    `locations` (id, clock), each on its clock; without them, anywhere on the period's."""
    held = FitnessClass.objects.filter(cancelled_at__isnull=True, starts_at__lte=now)
    if locations is None:
        return held.filter(starts_at__gte=period.starts, starts_at__lt=period.ends)
    return held.filter(on_their_clocks(period, locations))


def class_counts(classes: QuerySet[FitnessClass], field: str) -> dict[str, dict[str, int]]:
    """Per group: classes held and their capacity (one query)."""
    rows = (
        classes.values(group=F(field))
        .annotate(classes_held=Count("pk"), capacity=Sum("capacity"))
        .order_by("group")
    )
    return {row.pop("group"): row for row in rows}


def booking_counts(classes: QuerySet[FitnessClass], field: str) -> dict[str, dict[str, int]]:
    """Per group: the classes' bookings, counted by what became of them (one query)."""
    rows = (
        Booking.objects.filter(fitness_class__in=classes.values("pk"))
        .values(group=F(f"fitness_class__{field}"))
        .annotate(
            bookings_made=Count("pk"),
            booked=Count("pk", filter=Q(status__in=SPOT_HOLDING_STATUSES)),
            attended=Count("pk", filter=Q(status=BookingStatus.ATTENDED)),
            no_shows=Count("pk", filter=Q(status=BookingStatus.NO_SHOW)),
            late_cancellations=Count("pk", filter=Q(status=BookingStatus.LATE_CANCELLED)),
        )
        .order_by("group")
    )
    return {row.pop("group"): row for row in rows}


def waitlist_counts(classes: QuerySet[FitnessClass], field: str) -> dict[str, dict[str, int]]:
    """Per group: members who joined the classes' waitlists and who were promoted from them,
    from the event log (one query). The log stores the class id without a foreign key (an
    event outlives its class), so each event finds its group through a subquery."""
    group_of_class = FitnessClass.objects.filter(pk=OuterRef("class_id")).values(field)[:1]
    rows = (
        StoredEvent.objects.filter(type__in=[JOINED, PROMOTED], class_id__in=classes.values("pk"))
        .values(group=Subquery(group_of_class))
        .annotate(
            waitlist_joined=Count("pk", filter=Q(type=JOINED)),
            waitlist_promoted=Count("pk", filter=Q(type=PROMOTED)),
        )
        .order_by("group")
    )
    return {row.pop("group"): row for row in rows}


def build_report(
    period: Period,
    grouping: Grouping,
    *,
    now: datetime,
    locations: Sequence[tuple[int, tzinfo]] | None = None,
) -> Report:
    """The report for `period` at `locations` (see `held_classes`), one row per group in
    alphabetical order (whatever the database's collation), and the totals: three queries
    whatever the size of the data."""
    field = GROUP_FIELDS[grouping]
    classes = held_classes(period, now=now, locations=locations)
    by_class = class_counts(classes, field)
    by_booking = booking_counts(classes, field)
    by_waitlist = waitlist_counts(classes, field)
    rows = [
        ReportRow(group=group, **counts, **by_booking.get(group, {}), **by_waitlist.get(group, {}))
        for group, counts in sorted(
            by_class.items(), key=lambda item: (item[0].casefold(), item[0])
        )
    ]
    total = ReportRow(
        group="Total", **{name: sum(getattr(row, name) for row in rows) for name in COUNTS}
    )
    return Report(period=period, grouping=grouping, rows=rows, total=total)
