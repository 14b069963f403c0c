"""How a class is named to members, in the gym's time zone. Shared by every app's pages, so
none imports another's views."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from classes.models import FitnessClass
from web import formatting


def describe_class(fitness_class: FitnessClass) -> str:
    """“Spin, Tue 1 Dec 18:00”."""
    return f"{fitness_class.name}, {formatting.member_time(fitness_class.starts_at)}"


def class_times_html(fitness_class: FitnessClass) -> SafeString:
    """Start to end ("07:00" en dash "08:00") in the page's zone (the gym's), each a
    machine-readable <time>: made once in Python for the pages that list many classes."""
    starts = timezone.localtime(fitness_class.starts_at)
    ends = timezone.localtime(fitness_class.ends_at)
    return format_html(
        '<time datetime="{}">{}</time>\N{EN DASH}<time datetime="{}">{}</time>',
        starts.isoformat(),
        f"{starts:%H:%M}",
        ends.isoformat(),
        f"{ends:%H:%M}",
    )
