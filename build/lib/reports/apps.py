from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The staff report: fill, waitlists and attendance over a period, with charts and CSV."""

    name = "reports"
    verbose_name = "Reports"
    default_auto_field = "django.db.models.BigAutoField"
