from django.apps import AppConfig


class GymbookingConfig(AppConfig):
    """The project package doubles as the events app: it wires handlers to events."""

    name = "gymbooking"
    verbose_name = "Events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Build the composition root, which registers every handler with the dispatcher."""
        from gymbooking.composition import services

        services()
