"""How a class is named to people, in the gym's time zone: the admin's short form and the
member's. Shared by every app's pages and admin, so none imports another's views or admin."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone

from classes.models import FitnessClass


def local_time(moment: datetime) -> str:
    """A class's start as the gym reads it: “Tue 01 Dec 18:00”."""
    return f"{timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)):%a %d %b %H:%M}"


def describe_class(fitness_class: FitnessClass) -> str:
    """A class as a member names it: “Spin, Tue 1 Dec 18:00” (in the gym's time zone)."""
    starts = formats.date_format(timezone.localtime(fitness_class.starts_at), "D j M H:i")
    return f"{fitness_class.name}, {starts}"
