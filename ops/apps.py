from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health and readiness, metrics, heartbeats and job runs, structured logs."""

    name = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"
