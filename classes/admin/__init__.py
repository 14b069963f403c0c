"""Admin for the class schedule, one module per model admin: importing them registers them.
`local_time` is named here as well, being how these pages show a class's start."""

from classes.admin import fitness_classes, series
from web.formatting import staff_time as local_time

__all__ = ["fitness_classes", "local_time", "series"]
