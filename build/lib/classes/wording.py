"""How a class is named to members, in the gym's time zone. Shared by every app's pages, so
none imports another's views."""

from classes.models import FitnessClass
from web import formatting


def describe_class(fitness_class: FitnessClass) -> str:
    """“Spin, Tue 1 Dec 18:00”."""
    return f"{fitness_class.name}, {formatting.member_time(fitness_class.starts_at)}"
