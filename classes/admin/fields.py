"""Form fields, and the place (location and room), the class and series forms share."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from domain.entities import MAX_CAPACITY, ensure_valid_capacity
from domain.exceptions import DomainException
from domain.locations import ensure_room_at


class CapacityField(forms.IntegerField):
    """A capacity as typed, checked against the domain's one definition of the limits (1 to
    `MAX_CAPACITY`), with the domain's words as the error."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1, "max": MAX_CAPACITY}))
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        try:
            ensure_valid_capacity(value)
        except DomainException as refusal:
            raise ValidationError(str(refusal), code="capacity") from refusal


class PlaceForm(forms.ModelForm):
    """A form with a `location` and an optional `room`, which must be one of its rooms, and
    a `capacity` that may be left empty to take the room's."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "room" in self.fields:  # each room is shown with its location's name
            self.fields["room"].queryset = self.fields["room"].queryset.select_related("location")
            if "capacity" in self.fields:
                capacity = self.fields["capacity"]
                capacity.required = False
                capacity.help_text += " Empty: the room's capacity."

    def clean(self):
        cleaned = super().clean()
        location, room = cleaned.get("location"), cleaned.get("room")
        if location is not None and room is not None:
            try:
                ensure_room_at(location.name, room.location.name)
            except DomainException as refusal:
                self.add_error("room", str(refusal))
        if "capacity" in self.fields and cleaned.get("capacity") is None:
            self._capacity_from(room)
        return cleaned

    def _capacity_from(self, room) -> None:
        if "capacity" in self.errors:
            return
        if room is None:
            self.add_error(
                "capacity", "Give how many members can book, or choose a room to take its capacity."
            )
        else:
            self.cleaned_data["capacity"] = room.capacity


def put_in_room(obj: models.Model) -> None:
    """Store the room staff chose for a class or series (validated by `PlaceForm`): the
    room says where in the location it is, and no rule depends on it."""
    type(obj).objects.filter(pk=obj.pk).update(room=obj.room)
