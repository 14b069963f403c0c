"""The class admin's forms: the fields of a class as typed (its times on its location's clock;
whether the location is open then is the use cases' to say), the member to add to a class, and
why classes are cancelled."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils import timezone

from bookings.models import Booking
from classes.admin.fields import CapacityField, PlaceForm
from members.models import Member
from web import formatting

# The fields of a class that are moments.
CLOCK_FIELDS = {"starts_at", "ends_at"}


class FitnessClassForm(PlaceForm):
    """The plain fields of a class, checked as input; rules are the use cases' business."""

    capacity = CapacityField(help_text="How many members can book.")

    def __init__(self, *args, **kwargs) -> None:
        """A class's times are typed and shown on its location's clock (the chosen one's
        when it is added or moved), not the installation's."""
        super().__init__(*args, **kwargs)
        zone = None if self.instance._state.adding else self.instance.time_zone
        for name in CLOCK_FIELDS.intersection(self.fields):
            self.fields[name].help_text = "On the location's clock."
            if zone:
                wall_clock = formatting.local(getattr(self.instance, name), zone)
                self.initial[name] = wall_clock.replace(tzinfo=None)

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        if location is None and self.instance.location_id:
            location = self.instance.location
        for name in CLOCK_FIELDS.intersection(cleaned):
            if location is not None and cleaned[name] is not None:
                typed = timezone.localtime(cleaned[name]).replace(tzinfo=None)
                cleaned[name] = timezone.make_aware(typed, formatting.zone_of(location.time_zone))
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The class must end after it starts.")
        return cleaned


class AddMemberForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Member.objects.all(),
        # Searched by name or e-mail as staff type (the member admin's search fields).
        widget=AutocompleteSelect(Booking._meta.get_field("member"), admin.site),
        help_text="Type part of the member's name or e-mail address.",
    )


class CancelClassesForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Booked and waiting members are told this; every booking is refunded.",
    )
