"""A location's own booking rules: the columns that override the chain's settings (`GYM_*`),
each empty to keep the chain's default, and their reading as `domain.values.LocationRules`.

Where the chain's setting says "none" with 0 (no booking window, no upcoming-bookings limit,
no-shows never pause), a location says it with 0 too, so "as the chain" (empty) and "none"
(0) stay distinct.
"""

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from domain.values import LateCancellation, LocationRules, PromotionInsideWindow

WEEK_IN_MINUTES = 7 * 24 * 60


def _count(
    low: int, high: int, unit: str, *, meaning_of_zero: str = "", **options: object
) -> models.PositiveIntegerField:
    """A nullable whole number from `low` to `high` `unit`, refused with the range in words."""
    message = f"Give a whole number of {unit} from {low} to {high}, or leave it empty."
    return models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(low, message), MaxValueValidator(high, message)],
        help_text=f"Empty: the chain's default.{meaning_of_zero}",
        **options,
    )


# Each rule: its column, its lowest and highest value, and its unit (the admin's words).
RULE_RANGES = {
    "cancellation_window_minutes": (0, WEEK_IN_MINUTES, "minutes"),
    "refund_expiry_days": (1, 3650, "days"),
    "promotion_cutoff_minutes": (0, WEEK_IN_MINUTES, "minutes"),
    "promotion_grace_minutes": (0, WEEK_IN_MINUTES, "minutes"),
    "booking_opens_days": (0, 365, "days"),
    "max_upcoming_bookings": (0, 1000, "bookings"),
    "no_show_limit": (0, 100, "no-shows"),
    "no_show_period_days": (1, 365, "days"),
    "no_show_pause_days": (1, 365, "days"),
    "reminder_hours": (1, 7 * 24, "hours"),
}
ZERO_MEANS = {
    "booking_opens_days": " 0: members may book as soon as a class is listed.",
    "max_upcoming_bookings": " 0: no limit.",
    "no_show_limit": " 0: no-shows never pause booking here.",
}
CHOICES = {
    "late_cancellation": [
        ("refuse", "Refuse it: the booking stays"),
        ("forfeit", "Accept it: the spot is freed, the credit is not refunded"),
    ],
    "promotion_inside_window": [
        ("never", "Never: nobody is promoted inside the cancellation window"),
        ("grace", "With a grace period after the promotion to cancel with a refund"),
    ],
}
# The columns, in the order the admin shows them and the class statements read them.
RULE_COLUMNS = (
    "cancellation_window_minutes",
    "late_cancellation",
    "refund_expiry_days",
    "booking_opens_days",
    "max_upcoming_bookings",
    "promotion_cutoff_minutes",
    "promotion_inside_window",
    "promotion_grace_minutes",
    "no_show_limit",
    "no_show_period_days",
    "no_show_pause_days",
    "reminder_hours",
)


def _choice(name: str) -> models.CharField:
    return models.CharField(
        max_length=16,
        blank=True,
        default="",
        choices=CHOICES[name],
        help_text="Empty: the chain's default.",
    )


class LocationRulesFields(models.Model):
    """The rule columns of `locations.Location`."""

    cancellation_window_minutes = _count(*RULE_RANGES["cancellation_window_minutes"])
    late_cancellation = _choice("late_cancellation")
    refund_expiry_days = _count(*RULE_RANGES["refund_expiry_days"])
    booking_opens_days = _count(
        *RULE_RANGES["booking_opens_days"], meaning_of_zero=ZERO_MEANS["booking_opens_days"]
    )
    max_upcoming_bookings = _count(
        *RULE_RANGES["max_upcoming_bookings"], meaning_of_zero=ZERO_MEANS["max_upcoming_bookings"]
    )
    promotion_cutoff_minutes = _count(*RULE_RANGES["promotion_cutoff_minutes"])
    promotion_inside_window = _choice("promotion_inside_window")
    promotion_grace_minutes = _count(*RULE_RANGES["promotion_grace_minutes"])
    no_show_limit = _count(
        *RULE_RANGES["no_show_limit"], meaning_of_zero=ZERO_MEANS["no_show_limit"]
    )
    no_show_period_days = _count(*RULE_RANGES["no_show_period_days"])
    no_show_pause_days = _count(*RULE_RANGES["no_show_pause_days"])
    reminder_hours = _count(*RULE_RANGES["reminder_hours"])

    class Meta:
        abstract = True


def rule_constraints() -> list[models.CheckConstraint]:
    """The database's backstop for every rule's range and choice."""
    ranges = [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True})
            | Q(**{f"{name}__gte": low, f"{name}__lte": high}),
            name=f"location_{name}_in_range",
            violation_error_message=f"Give a whole number of {unit} from {low} to {high}.",
        )
        for name, (low, high, unit) in RULE_RANGES.items()
    ]
    choices = [
        models.CheckConstraint(
            condition=Q(**{f"{name}__in": ["", *(value for value, _ in options)]}),
            name=f"location_{name}_known",
            violation_error_message="Choose one of the listed answers, or leave it empty.",
        )
        for name, options in CHOICES.items()
    ]
    return ranges + choices


def _span(value: int | None, unit: str) -> timedelta | None:
    return None if value is None else timedelta(**{unit: value})


def location_rules(row: object) -> LocationRules:
    """The rules of a location row, or of any row read with its `RULE_COLUMNS`."""
    late, inside = row.late_cancellation, row.promotion_inside_window
    return LocationRules(
        cancellation_window=_span(row.cancellation_window_minutes, "minutes"),
        late_cancellation=LateCancellation(late) if late else None,
        refund_expiry_days=row.refund_expiry_days,
        promotion_cutoff=_span(row.promotion_cutoff_minutes, "minutes"),
        promotion_inside_window=PromotionInsideWindow(inside) if inside else None,
        promotion_grace=_span(row.promotion_grace_minutes, "minutes"),
        booking_opens_before=_span(row.booking_opens_days, "days"),
        max_upcoming_bookings=row.max_upcoming_bookings,
        no_show_limit=row.no_show_limit,
        no_show_period=_span(row.no_show_period_days, "days"),
        no_show_pause=_span(row.no_show_pause_days, "days"),
        reminder_lead=_span(row.reminder_hours, "hours"),
    )
