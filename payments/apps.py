from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Online payments"
    default_auto_field = "django.db.models.BigAutoField"
