from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """What members are told, kept for them to read in the app (the e-mails say the same)."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
