"""Admin for membership payments: every period paid, read-only, at the user's locations (the
location the member's home gym was when she paid), and listed on the membership's own page.
Only the membership use cases write them; `sales.view_membershippayment` is the Front desk's
and the Manager's (sales/migrations/0014_membership_payment_permissions.py)."""

from django.contrib import admin

from locations.scoping import LocationScopedAdmin
from sales.models import MembershipPayment
from sales.wording import price_label, receipt_number
from web.admin_actions import ReadOnlyAdminMixin, ReadOnlyInline

SHOWN = (
    "kind",
    "period_start",
    "period_end",
    "price",
    "tax",
    "payment_method",
    "reference",
    "recorded_by",
    "paid_at",
)


@admin.register(MembershipPayment)
class MembershipPaymentAdmin(LocationScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    location_path = "location"
    unplaced_visible = True
    list_display = (
        "paid_at",
        "member",
        "plan_name",
        "kind",
        "price_shown",
        "payment_method",
        "recorded_by",
        "receipt",
    )
    list_filter = ("kind", "payment_method", "plan", "paid_at")
    list_select_related = ("member",)
    search_fields = ("member__name", "member__email", "plan_name", "reference")
    ordering = ("-paid_at", "id")
    show_full_result_count = False
    fields = ("member", "membership", "plan_name", *SHOWN, "tax_rate", "currency", "location")
    readonly_fields = fields

    @admin.display(description="price", ordering="price")
    def price_shown(self, payment: MembershipPayment) -> str:
        return price_label(payment.price, payment.currency)

    @admin.display(description="receipt")
    def receipt(self, payment: MembershipPayment) -> str:
        return receipt_number(payment.pk)


class MembershipPaymentInline(ReadOnlyInline):
    """The periods a membership was paid for, oldest first, on its page."""

    model = MembershipPayment
    fields = SHOWN
    readonly_fields = SHOWN
    ordering = ("paid_at", "id")
    verbose_name_plural = "periods paid"
