from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The event log, its deliveries, the durable dispatcher and the workers that run them."""

    name = "events"
    verbose_name = "Events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Build the object graph at start-up, so every handler is registered with the
        dispatcher before the first event is delivered (and bad settings fail at once)."""
        from gymbooking.composition import services

        services()
