"""The location forms of the admin: each booking rule says what leaving it empty means here,
with the chain's default as the settings give it today (not a fixed text in a migration); its
opening hours and closures are checked by the domain's rules (`domain.locations`)."""

from django import forms
from django.conf import settings

from domain.exceptions import DomainException
from domain.locations import Closure as DomainClosure
from domain.locations import OpeningInterval, ensure_no_overlap
from locations.models import Closure, Location, OpeningHours
from locations.rules import CHOICES, RULE_COLUMNS, ZERO_MEANS
from web import formatting


def _days(number: int) -> str:
    return formatting.count(number, "day", "days")


def _minutes(number: int) -> str:
    return formatting.count(number, "minute", "minutes")


def chain_defaults() -> dict[str, str]:
    """Each rule's default for the whole chain (its `GYM_*` setting), in words."""
    s = settings
    choices = {name: dict(options) for name, options in CHOICES.items()}
    opens = s.GYM_BOOKING_OPENS_DAYS
    return {
        "cancellation_window_minutes": _minutes(round(s.GYM_CANCELLATION_WINDOW_HOURS * 60)),
        "late_cancellation": choices["late_cancellation"][s.GYM_LATE_CANCELLATION],
        "refund_expiry_days": _days(s.GYM_REFUND_EXPIRY_DAYS),
        "booking_opens_days": _days(opens) if opens else "as soon as a class is listed",
        "max_upcoming_bookings": str(s.GYM_MAX_UPCOMING_BOOKINGS or "no limit"),
        "promotion_cutoff_minutes": _minutes(s.GYM_PROMOTION_CUTOFF_MINUTES),
        "promotion_inside_window": choices["promotion_inside_window"][
            s.GYM_PROMOTION_INSIDE_WINDOW
        ],
        "promotion_grace_minutes": _minutes(s.GYM_PROMOTION_GRACE_MINUTES),
        "no_show_limit": str(s.GYM_NO_SHOW_LIMIT or "off"),
        "no_show_period_days": _days(s.GYM_NO_SHOW_PERIOD_DAYS),
        "no_show_pause_days": _days(s.GYM_NO_SHOW_PAUSE_DAYS),
        "reminder_hours": formatting.count(s.GYM_REMINDER_HOURS, "hour", "hours"),
    }


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ("name", "time_zone", "address", *RULE_COLUMNS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        defaults = chain_defaults()
        for name in RULE_COLUMNS:
            field, default = self.fields.get(name), defaults[name]
            if field is None:
                continue
            zero = ZERO_MEANS.get(name, "")
            field.help_text = f"Empty: the chain's default of {default}.{zero}"
            if name in CHOICES:
                field.choices = [("", f"As the chain: {default.lower()}"), *CHOICES[name]]


class DomainCheckedForm(forms.ModelForm):
    """A row whose sense the domain checks in `clean`; the table's constraints repeat that
    check, so they are only checked again when the domain found nothing (said once)."""

    def validate_constraints(self):
        if not self.errors:
            super().validate_constraints()


class OpeningHoursForm(DomainCheckedForm):
    class Meta:
        model = OpeningHours
        fields = ("weekday", "opens", "closes")

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens is not None and closes is not None:
            try:
                cleaned["interval"] = OpeningInterval(opens, closes)
            except DomainException as refusal:
                self.add_error("closes", str(refusal))
        return cleaned


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """A location's weekly hours: two stretches of one weekday may not overlap."""

    def clean(self):
        super().clean()
        kept = [
            (form.cleaned_data["weekday"], form.cleaned_data["interval"])
            for form in self.forms
            if form.cleaned_data.get("interval") and not self._should_delete_form(form)
        ]
        try:
            ensure_no_overlap(kept)
        except DomainException as refusal:
            raise forms.ValidationError(str(refusal)) from refusal


class ClosureForm(DomainCheckedForm):
    class Meta:
        model = Closure
        fields = ("first_day", "last_day", "reason")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first is not None and last is not None:
            try:
                DomainClosure(first, last, cleaned.get("reason") or "")
            except DomainException as refusal:
                self.add_error("last_day", str(refusal))
        return cleaned
