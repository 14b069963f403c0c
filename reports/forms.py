"""The report's question: which days, where, grouped how. A GET form, so a report has a
URL."""

from datetime import date, timedelta

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from reports.queries import Grouping

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


def defaults(today: date) -> dict[str, str]:
    """The last 28 days up to and including `today`, by class name."""
    return {
        "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
        "group": Grouping.CLASS.value,
    }


def report_form(
    query: dict[str, str], today: date, locations: list[str], everywhere_label: str
) -> ReportForm:
    """A bound form: what the URL asks for, the defaults for what it leaves out. A field sent
    empty stays empty (and is reported as missing) rather than silently becoming a default."""
    wanted = {name: query[name] for name in ReportForm.base_fields if name in query}
    return ReportForm(
        {**defaults(today), **wanted}, locations=locations, everywhere_label=everywhere_label
    )
