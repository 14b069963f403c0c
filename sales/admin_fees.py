"""Admin for fees: read-only rows the fee handlers write, at the staff's own locations (by
the class's location), with two actions through the use cases.

"Waive…" needs `sales.waive_fee` (the Manager's, not the Front desk's) and a reason; the
domain refuses a fee outside the waive window, or one already settled, and the message says
why. "Paid at the desk" needs `sales.change_fee` and records an owed fee as paid there.
"""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from gymbooking.composition import services
from locations.scoping import LocationScopedAdmin
from sales.admin_desk import staff_name
from sales.models import Fee
from sales.wording import price_label
from web import formatting
from web.admin_actions import ReadOnlyAdminMixin, ask_then_run_for_each, run_for_each, user_may


class WaiveFeeForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the fee is waived; kept with it. A charged fee is refunded to the card.",
    )


def describe_fee(fee: Fee) -> str:
    fitness_class = fee.fitness_class
    when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
    return (
        f"{fee.member.name}: {fee.get_kind_display()} fee of "
        f"{price_label(fee.amount, fee.currency)}, {fitness_class.name}, {when}"
    )


@admin.register(Fee)
class FeeAdmin(LocationScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    location_path = "fitness_class__location"
    list_display = ("imposed_at", "member", "kind", "amount_shown", "status", "class_name")
    list_filter = ("status", "kind")
    search_fields = ("member__name", "member__email", "fitness_class__name")
    ordering = ("-imposed_at", "id")
    fields = (
        "member",
        "booking",
        "fitness_class",
        "kind",
        "amount",
        "currency",
        "status",
        "charge_reference",
        "refund_reference",
        "imposed_at",
        "settled_at",
        "settled_by",
        "reason",
    )
    readonly_fields = fields
    actions = ("waive", "paid_at_desk")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Fee]:
        return super().get_queryset(request).select_related("member", "fitness_class__location")

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, fee: Fee) -> str:
        return price_label(fee.amount, fee.currency)

    @admin.display(description="class", ordering="fitness_class__name")
    def class_name(self, fee: Fee) -> str:
        return fee.fitness_class.name

    def has_waive_permission(self, request: HttpRequest) -> bool:
        return user_may(request, Fee, "waive_fee")

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return user_may(request, Fee, "change_fee")

    @admin.action(
        description="Waive this fee…",
        description_plural="Waive selected fees…",
        permissions=["waive"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def waive(self, request: HttpRequest, queryset: QuerySet[Fee]):
        return ask_then_run_for_each(
            self,
            request,
            queryset,
            WaiveFeeForm,
            lambda fee, values: services().waive_fee.execute(
                str(fee.pk), values["reason"], waived_by=staff_name(request)
            ),
            succeeded=lambda done, _: f"Waived {formatting.count(done, 'fee', 'fees')}.",
            title="Waive fees",
            intro="Waive these fees? A fee already charged is refunded to the member's card.",
            submit_label="Waive the fees",
            label=describe_fee,
        )

    @admin.action(
        description="Paid at the desk",
        permissions=["settle"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def paid_at_desk(self, request: HttpRequest, queryset: QuerySet[Fee]):
        run_for_each(
            self,
            request,
            queryset,
            lambda fee: services().record_fee_paid_at_desk.execute(
                str(fee.pk), recorded_by=staff_name(request)
            ),
            succeeded=lambda done: (
                f"Recorded {formatting.count(done, 'fee', 'fees')} as paid at the desk."
            ),
            label=describe_fee,
        )
