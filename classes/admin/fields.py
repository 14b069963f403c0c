"""Form fields the class and series forms share."""

from django import forms
from django.core.exceptions import ValidationError

from domain.entities import MAX_CAPACITY, ensure_valid_capacity
from domain.exceptions import DomainException


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
