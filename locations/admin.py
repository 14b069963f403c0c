"""Admin for the chain's locations, each with its rooms inline. Managers change them; the
front desk sees them (members/migrations and locations/migrations/0002 grant this). A location
with classes or series cannot be deleted (their foreign keys protect it). Its booking rules
(collapsed) override the chain's settings; each empty one keeps the chain's default, which
its help text names."""

from django.contrib import admin

from locations.forms import LocationForm
from locations.models import Location, Room
from locations.rules import RULE_COLUMNS
from locations.scoping import LocationScopedAdmin, LocationStaffAdmin


class RoomInline(admin.TabularInline):
    model = Room
    fields = ("name", "capacity")
    extra = 1


@admin.register(Location)
class LocationAdmin(LocationStaffAdmin, admin.ModelAdmin):
    list_display = ("name", "time_zone", "address")
    search_fields = ("name", "address")
    form = LocationForm
    fieldsets = (
        (None, {"fields": ("name", "time_zone", "address")}),
        ("Booking rules", {"classes": ("collapse",), "fields": RULE_COLUMNS}),
    )
    inlines = (RoomInline,)


@admin.register(Room)
class RoomAdmin(LocationScopedAdmin, admin.ModelAdmin):
    """Rooms are added on their location's page; this list finds them at the
    locations the user works at."""

    location_path = "location"
    list_display = ("name", "location", "capacity")
    list_filter = (("location", admin.RelatedOnlyFieldListFilter),)  # the user's locations
    list_select_related = ("location",)
    search_fields = ("name", "location__name")
