"""Stripe's side of online payments, for reading: each member's customer and every event
acted on (the sales themselves are under Sales). Nothing here is added, edited or deleted."""

from django.contrib import admin
from django.http import HttpRequest

from payments.models import StripeCustomer, StripeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StripeCustomer)
class StripeCustomerAdmin(ReadOnlyAdmin):
    list_display = ["member", "customer_id", "payment_method_id", "created_at"]
    list_select_related = ["member"]
    search_fields = ["customer_id", "member__name", "member__email"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "object_id", "created", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "object_id"]
