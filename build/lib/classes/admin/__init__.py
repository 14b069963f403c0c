"""Admin for the class schedule, one module per model admin: importing them registers them."""

from classes.admin import fitness_classes, series

__all__ = ["fitness_classes", "series"]
