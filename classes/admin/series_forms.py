"""The series admin's forms: the fields of a series as typed, and how many weeks to generate."""

from collections.abc import Mapping
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from application.series import DEFAULT_WEEKS_AHEAD
from classes.admin.fields import CapacityField, PlaceForm
from classes.models import ClassSeries
from domain import series as domain_series
from locations.opening import opening_rules

WEEKDAY_CHOICES = list(enumerate(domain_series.WEEKDAY_NAMES))
# The fields that put a series' sessions somewhere in the week: changing one checks the hours.
WEEK_FIELDS = {"location", "weekdays", "start_time", "duration_minutes"}


def series_details(cleaned: Mapping[str, object]) -> dict[str, object]:
    """The domain's `ClassSeries` fields, from the series form's cleaned values."""
    return {
        "name": cleaned.get("name") or "",
        "description": cleaned.get("description") or "",
        "instructor": cleaned.get("instructor") or "",
        "location": getattr(cleaned.get("location"), "name", ""),
        "weekdays": frozenset(cleaned.get("weekdays") or ()),
        "start_time": cleaned.get("start_time"),
        "duration": timedelta(minutes=cleaned.get("duration_minutes") or 0),
        "capacity": cleaned.get("capacity"),
        "first_date": cleaned.get("first_date"),
        "last_date": cleaned.get("last_date"),
    }


class ClassSeriesForm(PlaceForm):
    """The fields of a series as input; whether they make a series is the domain's call."""

    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = forms.IntegerField(min_value=1, label="Duration (minutes)")
    capacity = CapacityField(help_text="How many members can book a session.")

    class Meta:
        model = ClassSeries
        fields = (
            "name",
            "description",
            "instructor",
            "location",
            "room",
            "weekdays",
            "start_time",
            "duration_minutes",
            "capacity",
            "first_date",
            "last_date",
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                series = domain_series.ClassSeries.create(**series_details(cleaned))
            except domain_series.InvalidSeriesException as refusal:
                raise ValidationError(str(refusal)) from refusal
            if self.instance._state.adding or WEEK_FIELDS.intersection(self.changed_data):
                self._ensure_open(cleaned["location"], series)
        return cleaned

    def _ensure_open(self, location, series: domain_series.ClassSeries) -> None:
        """Its sessions lie within its location's weekly hours (its closed days are skipped
        when sessions are generated); a series kept as it was is never refused by hours made
        after it."""
        refusal = opening_rules(location).series_refusal(
            series.weekdays, series.start_time, series.duration
        )
        if refusal is not None:
            raise ValidationError(refusal)

    def validate_constraints(self):
        """The table's constraints repeat the domain's rules, already checked in `clean`:
        only checked again when the domain found nothing, so no refusal is said twice."""
        if not self.errors:
            super().validate_constraints()


class GenerateSessionsForm(forms.Form):
    weeks = forms.IntegerField(
        initial=DEFAULT_WEEKS_AHEAD,
        help_text=(
            f"From today, today included: 1 to {domain_series.MAX_WEEKS_AHEAD}. Dates that "
            "already have their session are left as they are."
        ),
    )
