"""The chain's gyms (`domain.locations.Location`) and their rooms. Classes and series point
to them (classes app)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from domain.locations import WEEKDAY_PLURALS, InvalidLocationException, time_zone_named
from locations.rules import LocationRulesFields, rule_constraints


def validate_time_zone(value: str) -> None:
    try:
        time_zone_named(value)
    except InvalidLocationException as refusal:
        raise ValidationError(str(refusal), code="invalid_time_zone") from None


class LocationManager(models.Manager):
    def named(self, name: str) -> "Location":
        """The location of that name, added on the installation's clock (`TIME_ZONE`) when
        there is none: for scripts that set up a gym (benchmarks, checks), not for staff."""
        location, _ = self.get_or_create(name=name, defaults={"time_zone": settings.TIME_ZONE})
        return location


class Location(LocationRulesFields):
    """A gym of the chain; its booking rules (`locations.rules`) override the chain's."""

    # Unique: a class names its location by it (`FitnessClass.location` in the domain).
    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="The IANA name of the location's clock, such as Europe/London.",
    )

    # The staff who work here: they see and change this location's classes, rosters and
    # reports (locations/scoping.py). Staff holding `work_at_every_location` see the chain.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="staffed_locations",
        help_text="The staff who work at this location and see only what happens here.",
    )

    objects = LocationManager()

    class Meta:
        ordering = ["name", "id"]
        permissions = [
            ("work_at_every_location", "Can see and change every location of the chain"),
        ]
        constraints = rule_constraints()

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=120)
    capacity = models.PositiveIntegerField(
        help_text="How many members a class in this room takes unless staff say otherwise."
    )

    class Meta:
        ordering = ["location", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"],
                name="one_room_name_per_location",
                violation_error_message="This location already has a room of that name.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="room_capacity_positive",
                violation_error_message="A room needs space for at least one member.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location.name})" if self.location_id else self.name


WEEKDAY_CHOICES = [(number, name.removesuffix("s")) for number, name in enumerate(WEEKDAY_PLURALS)]


class OpeningHours(models.Model):
    """One stretch of a weekday a location is open (`domain.locations.OpeningRules`). A
    location with none is open at all times; once it has some, a weekday without any is
    closed."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    opens = models.TimeField(help_text="On the location's clock.")
    closes = models.TimeField(help_text="On the location's clock, the same day.")

    class Meta:
        ordering = ["location", "weekday", "opens", "id"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")),
                name="opening_hours_close_after_opening",
                violation_error_message="Closing must come after opening.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """Days a location is closed (first and last included, on its clock): no class is
    added then and series skip them."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True, help_text="Such as Christmas.")

    class Meta:
        ordering = ["location", "first_day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="closure_ends_on_or_after_its_first_day",
                violation_error_message="The last day cannot be before the first day.",
            ),
        ]

    def __str__(self) -> str:
        return self.reason or f"Closed {self.first_day} to {self.last_day}"
