"""How a class is named to members, on its own location's clock. Shared by every app's pages, so
none imports another's views."""

import uuid

from django.utils.safestring import SafeString, mark_safe

from classes.models import FitnessClass
from web import formatting
from web.links import url_with_id


def describe_class(fitness_class: FitnessClass) -> str:
    """“Spin, Tue 1 Dec 18:00”."""
    when = formatting.member_time(fitness_class.starts_at, fitness_class.time_zone)
    return f"{fitness_class.name}, {when}"


def class_times_html(fitness_class: FitnessClass) -> SafeString:
    """Start to end ("07:00" en dash "08:00") on the class's location's clock, each a
    machine-readable <time> with its offset: made once in Python for the pages that list many
    classes (the location read with the class)."""
    zone = formatting.zone_of(fitness_class.time_zone)
    starts = fitness_class.starts_at.astimezone(zone)
    ends = fitness_class.ends_at.astimezone(zone)
    # Digits and ISO punctuation only: nothing to escape (format_html's escaping was half
    # of this function's cost, and it runs for every row of a list).
    return mark_safe(
        f'<time datetime="{starts.isoformat()}">{starts.hour:02}:{starts.minute:02}</time>'
        f'\N{EN DASH}<time datetime="{ends.isoformat()}">{ends.hour:02}:{ends.minute:02}</time>'
    )


def class_page_url(class_id: uuid.UUID) -> str:
    """The class page of `class_id`."""
    return url_with_id("classes:detail", class_id)
