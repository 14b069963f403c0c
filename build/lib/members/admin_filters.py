"""List filters of the member admin and the credit ledger: both compare with the time now,
so a pause that ended or a grant that expired drops out without any write."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone


class BookingPauseFilter(admin.SimpleListFilter):
    title = "booking paused"
    parameter_name = "paused"

    def lookups(self, request, model_admin):
        return (("yes", "Paused now"), ("no", "Not paused"))

    def queryset(self, request, queryset):
        paused = Q(bookings_paused_until__gt=timezone.now())
        match self.value():
            case "yes":
                return queryset.filter(paused)
            case "no":
                return queryset.exclude(paused)
        return queryset


class GrantExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return (
            ("spendable", "Spendable"),
            ("soon", "Expiring within 7 days"),
            ("expired", "Expired with credit left"),
            ("used", "Used up"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "spendable":
                return queryset.filter(remaining__gt=0, expires_at__gt=now)
            case "soon":
                return queryset.filter(
                    remaining__gt=0, expires_at__gt=now, expires_at__lte=now + timedelta(days=7)
                )
            case "expired":
                return queryset.filter(remaining__gt=0, expires_at__lte=now)
            case "used":
                return queryset.filter(remaining=0)
        return queryset
