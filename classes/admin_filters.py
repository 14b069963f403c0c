"""List filters of the class admin. The bookings and waitlist lists filter by their class's
date too, and apps do not import each other's admin: so the filters live here. Their choices
come from the locations the user works at (`locations.scoping`), never another's."""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from classes.models import ClassSeries
from locations import scoping

# The days each choice of `ClassDateFilter` covers: (first, last + 1), counted from today.
DAYS = {"today": (0, 1), "tomorrow": (1, 2), "week": (0, 7)}


class ClassDateFilter(admin.SimpleListFilter):
    """When a class starts, by its location's calendar (days begin at midnight on its clock),
    over the locations the user works at (one query, for a choice of days)."""

    title = "date"
    parameter_name = "when"
    starts_at_field = "starts_at"
    location_field = "location"

    def lookups(self, request, model_admin):
        return (
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "Next 7 days"),
            ("upcoming", "Upcoming"),
            ("past", "Started or past"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(**{f"{self.starts_at_field}__gte": now})
        if self.value() == "past":
            return queryset.filter(**{f"{self.starts_at_field}__lt": now})
        if self.value() not in DAYS:
            return queryset
        first, after = DAYS[self.value()]
        days = Q(pk__in=[])
        for location_id, zone_name in scoping.locations_of(request.user).values_list(
            "pk", "time_zone"
        ):
            zone = ZoneInfo(zone_name)
            today = timezone.localdate(now, zone)
            days |= Q(
                **{
                    self.location_field: location_id,
                    f"{self.starts_at_field}__gte": _midnight(today + timedelta(first), zone),
                    f"{self.starts_at_field}__lt": _midnight(today + timedelta(after), zone),
                }
            )
        return queryset.filter(days)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


class CancelledFilter(admin.SimpleListFilter):
    title = "cancelled"
    parameter_name = "cancelled"

    def lookups(self, request, model_admin):
        return (("yes", "Cancelled"), ("no", "Running"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(cancelled_at__isnull=self.value() == "no")
        return queryset


class SeriesFilter(admin.SimpleListFilter):
    """Classes generated from a series, or added on their own; `?series=<id>` (the series
    admin links to it) narrows the list to one series. Only that series is read, so the
    unfiltered list costs no query for this filter."""

    title = "series"
    parameter_name = "series"

    def lookups(self, request, model_admin):
        choices = [("any", "From a series"), ("none", "On its own")]
        chosen = _series_pk(self.value())
        if chosen is not None:
            visible = scoping.within(ClassSeries.objects.all(), request.user, "location")
            series = visible.filter(pk=chosen).first()
            if series is not None:
                choices.append((self.value(), str(series)))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value in ("any", "none"):
            return queryset.filter(series__isnull=value == "none")
        if value is None:
            return queryset
        chosen = _series_pk(value)
        return queryset.none() if chosen is None else queryset.filter(series_id=chosen)


def _series_pk(value: str | None) -> uuid.UUID | None:
    if value in (None, "any", "none"):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# What "current" means for the instructor filter.
CURRENT_SINCE = timedelta(days=30)
CURRENT_CLASSES = 2_000


class CurrentValuesFilter(admin.SimpleListFilter):
    """By a text field of the class (the instructor): the values of the classes from a
    month ago on (at most `CURRENT_CLASSES` of them, read in order of start from its index),
    not a DISTINCT over every class the gym ever ran, at the user's locations. A value chosen
    by URL is filtered on, and offered, even when no current class has it."""

    field: str
    parameter_name: str

    def lookups(self, request, model_admin):
        since = timezone.now() - CURRENT_SINCE
        classes = scoping.within(model_admin.model.objects.all(), request.user, "location")
        current = (
            classes.filter(starts_at__gte=since)
            .order_by("starts_at")
            .values_list(self.field, flat=True)[:CURRENT_CLASSES]
        )
        values = set(filter(None, current))
        if self.value():
            values.add(self.value())
        return [(value, value) for value in sorted(values, key=str.casefold)]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class InstructorFilter(CurrentValuesFilter):
    title = "instructor"
    field = parameter_name = "instructor"


class LocationFilter(admin.SimpleListFilter):
    """By location, chosen by name: the locations the user works at (there are few)."""

    title = "location"
    parameter_name = "location"

    def lookups(self, request, model_admin):
        names = scoping.locations_of(request.user).values_list("name", flat=True)
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(location__name=self.value()) if self.value() else queryset
