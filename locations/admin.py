"""Admin for the chain's locations, each with its rooms inline. Managers change them; the
front desk sees them (members/migrations and locations/migrations/0002 grant this). A location
with classes or series cannot be deleted (their foreign keys protect it). Its booking rules
(collapsed) override the chain's settings; each empty one keeps the chain's default, which
its help text names. Its opening hours and closures (inline, so only those who may change
the location change them) keep classes and series inside its hours and off its closed days;
classes already scheduled are left as they are."""

from django.contrib import admin

from locations.forms import ClosureForm, LocationForm, OpeningHoursForm, OpeningHoursFormSet
from locations.models import Closure, Location, OpeningHours, Room
from locations.rules import RULE_COLUMNS
from locations.scoping import LocationScopedAdmin, LocationStaffAdmin


class RoomInline(admin.TabularInline):
    model = Room
    fields = ("name", "capacity")
    extra = 1


class OpeningHoursInline(admin.TabularInline):
    """The weekly hours: none at all means open at all times; once some weekday has hours,
    a weekday without any is closed."""

    model = OpeningHours
    form = OpeningHoursForm
    formset = OpeningHoursFormSet
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    form = ClosureForm
    extra = 0


@admin.register(Location)
class LocationAdmin(LocationStaffAdmin, admin.ModelAdmin):
    list_display = ("name", "time_zone", "address")
    search_fields = ("name", "address")
    form = LocationForm
    fieldsets = (
        (None, {"fields": ("name", "time_zone", "address")}),
        ("Booking rules", {"classes": ("collapse",), "fields": RULE_COLUMNS}),
    )
    inlines = (RoomInline, OpeningHoursInline, ClosureInline)


@admin.register(Room)
class RoomAdmin(LocationScopedAdmin, admin.ModelAdmin):
    """Rooms are added on their location's page; this list finds them at the
    locations the user works at."""

    location_path = "location"
    list_display = ("name", "location", "capacity")
    list_filter = (("location", admin.RelatedOnlyFieldListFilter),)  # the user's locations
    list_select_related = ("location",)
    search_fields = ("name", "location__name")
