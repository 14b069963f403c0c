from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The fees' admin is a module of its own beside sales/admin.py.
        from sales import admin_fees  # noqa: F401
