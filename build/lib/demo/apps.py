from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying gymbooking out (`manage.py seed_demo`); it owns no tables."""

    name = "demo"
    verbose_name = "Demo data"
