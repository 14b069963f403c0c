"""The reports' questions: which days, where, grouped how. GET forms, so a report has a
URL. The revenue report asks the same, grouped its own way."""

from datetime import date, timedelta

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from reports.queries import Grouping
from reports.revenue import RevenueGrouping

DEFAULT_DAYS = 28
# A sane range of days: it keeps every boundary a representable datetime in any time zone.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d"],
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD, for example 2025-03-31."},
        widget=forms.DateInput(
            format="%Y-%m-%d",
            attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()},
        ),
    )


class ReportForm(forms.Form):
    default_group = Grouping.CLASS.value

    start = _date_field("From")
    end = _date_field("To")
    location = forms.ChoiceField(label="Location", required=False)
    group = forms.ChoiceField(label="Group by", choices=Grouping.choices)

    def __init__(self, *args, locations: list[str], everywhere_label: str, **kwargs) -> None:
        """`locations`: the names the user may report on; `everywhere_label` names them all
        ("All my locations", or "The whole chain" for the chain's managers)."""
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [
            ("", everywhere_label),
            *((name, name) for name in locations),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date must be on or after the start date.")
        return cleaned


class RevenueForm(ReportForm):
    default_group = RevenueGrouping.PRODUCT.value

    group = forms.ChoiceField(label="Group by", choices=RevenueGrouping.choices)


def defaults(today: date, group: str = Grouping.CLASS.value) -> dict[str, str]:
    """The last 28 days up to and including `today`, by class name (or `group`)."""
    return {
        "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
        "group": group,
    }


def report_form[F: ReportForm](
    query: dict[str, str],
    today: date,
    locations: list[str],
    everywhere_label: str,
    form_class: type[F] = ReportForm,
) -> F:
    """A bound form: what the URL asks for, the defaults for what it leaves out. A field sent
    empty stays empty (and is reported as missing) rather than silently becoming a default."""
    wanted = {name: query[name] for name in form_class.base_fields if name in query}
    return form_class(
        {**defaults(today, form_class.default_group), **wanted},
        locations=locations,
        everywhere_label=everywhere_label,
    )
