"""Admin for memberships: the plans (the Manager's), "Start a membership" (the Front desk's
page, reached from a member's page, like "Sell a pack") and the memberships, which only the
use cases write — staff freeze, unfreeze, cancel at the period end (or undo that) and renew
them with actions, each through its use case; a freeze or a cancellation of a membership
billed online is told to Stripe first, as the member's own is (`membership_changes`).

Permissions (sales/migrations/0009_membership_permissions.py): changing plans needs
`sales.change_membershipplan`; starting a membership `members.add_membership` (memberships
cannot be added by hand, so this is what it means); freezing and unfreezing
`members.freeze_membership`; cancelling and renewing `members.change_membership`.

A membership belongs to its member's home location (`member__home_location`), as a sale does;
a member with no home gym is the chain's, and her membership is every location's to see. A
renewal that failed (`MembershipRenewalFailed`) and was not followed by one that was paid
awaits action on a live membership: the list has a column and a filter for it, and says how
many await.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from domain.exceptions import DomainException
from domain.sales import PaymentMethod
from gymbooking.composition import services
from locations.scoping import LocationScopedAdmin
from members.models import Member, Membership
from members.repositories import membership_to_entity
from sales.admin_desk import desk_sale_page, staff_name
from sales.admin_membership_payments import MembershipPaymentInline
from sales.models import MembershipPlan
from sales.repositories import to_plan
from sales.wording import plan_summary, price_label
from web import formatting
from web.admin_actions import (
    ReadOnlyAdminMixin,
    ask_then_run_for_each,
    run_for_each,
    user_may,
)

PAYMENT_METHODS = [(method.value, method.label) for method in PaymentMethod]


class MembershipPlanForm(forms.ModelForm):
    class Meta:
        model = MembershipPlan
        fields = (
            "name",
            "price",
            "currency",
            "tax_rate",
            "billing_period",
            "allowance_classes",
            "allowance_period",
            "extra_booking_window_days",
            "late_cancel_fee",
            "no_show_fee",
            "is_active",
        )

    def clean(self):
        """The domain decides what a valid plan is (a number of classes goes with a period)."""
        cleaned = super().clean()
        if not self.errors:
            try:
                plan = to_plan(MembershipPlan(**{**cleaned, "id": self.instance.pk}))
            except (DomainException, ValueError) as refusal:
                raise ValidationError(str(refusal)) from refusal
            cleaned["currency"] = plan.price.currency
        return cleaned


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    form = MembershipPlanForm
    list_display = ("name", "price_shown", "billing_period", "includes", "is_active")
    list_filter = ("is_active", "billing_period")
    search_fields = ("name",)

    @admin.display(description="price")
    def price_shown(self, plan: MembershipPlan) -> str:
        return price_label(plan.price, plan.currency)

    @admin.display(description="includes")
    def includes(self, plan: MembershipPlan) -> str:
        return str(to_plan(plan).allowance)


class StartMembershipForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=MembershipPlan.objects.filter(is_active=True), empty_label=None
    )
    payment_method = forms.ChoiceField(
        choices=PAYMENT_METHODS,
        widget=forms.RadioSelect,
        help_text="Take the first period's money first: cash, or the card on the desk's terminal.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].label_from_instance = plan_summary


class FreezeForm(forms.Form):
    starts_on = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))


class RenewForm(forms.Form):
    payment_method = forms.ChoiceField(
        choices=PAYMENT_METHODS,
        widget=forms.RadioSelect,
        help_text="Take the next period's money first, at the price of her terms.",
    )


def _member_id(membership: Membership) -> str:
    return str(membership.member_id)


class RenewalFailedFilter(admin.SimpleListFilter):
    title = "renewal"
    parameter_name = "renewal"

    def lookups(self, request, model_admin):
        return [("failed", "Renewal failed")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(renewal_failed_at__isnull=False, ended_at__isnull=True)
        return queryset


@admin.register(Membership)
class MembershipAdmin(LocationScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every membership at the user's locations, read-only; started from a member's page,
    changed by the actions."""

    location_path = "member__home_location"
    unplaced_visible = True
    list_display = (
        "member",
        "plan_name",
        "status",
        "period_end",
        "cancel_at_period_end",
        "renewal",
    )
    list_filter = (
        RenewalFailedFilter,
        "cancel_at_period_end",
        ("ended_at", admin.EmptyFieldListFilter),
        "plan",
    )
    list_select_related = ("member",)
    search_fields = ("member__name", "member__email", "plan_name", "payment_reference")
    ordering = ("-started_at", "id")
    fields = (
        "member",
        "plan_name",
        "status",
        "includes",
        "price",
        "currency",
        "tax_rate",
        "billing_period",
        "extra_booking_window_days",
        "started_at",
        "period_start",
        "period_end",
        "freezes_shown",
        "cancel_at_period_end",
        "ended_at",
        "payment_method",
        "payment_reference",
        "external_subscription_id",
        "renewal_failed_at",
    )
    readonly_fields = fields
    inlines = [MembershipPaymentInline]
    actions = ("freeze", "unfreeze", "cancel_at_end", "undo_cancellation", "renew_at_desk")

    def changelist_view(self, request, extra_context=None):
        """Says how many failed renewals at her locations await action."""
        waiting = self.get_queryset(request).filter(
            renewal_failed_at__isnull=False, ended_at__isnull=True
        )
        if request.method == "GET" and (count := waiting.count()):
            listed = f"{reverse('admin:members_membership_changelist')}?renewal=failed"
            messages.warning(
                request,
                format_html(
                    '<a href="{}">{}</a> awaiting action: renew at the desk, or let it end.',
                    listed,
                    formatting.count(
                        count,
                        "membership with a failed renewal",
                        "memberships with a failed renewal",
                    ),
                ),
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="status")
    def status(self, membership: Membership) -> str:
        return membership_to_entity(membership).status_on(timezone.localdate()).label

    @admin.display(description="renewal")
    def renewal(self, membership: Membership) -> str:
        failed = membership.renewal_failed_at is not None and membership.ended_at is None
        return "Failed: awaiting action" if failed else "—"

    @admin.display(description="includes")
    def includes(self, membership: Membership) -> str:
        return str(membership_to_entity(membership).plan.allowance)

    @admin.display(description="freezes")
    def freezes_shown(self, membership: Membership) -> str:
        return ", ".join(f"{first} to {last}" for first, last in membership.freezes) or "—"

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_freeze_permission(self, request: HttpRequest) -> bool:
        return user_may(request, Membership, "freeze_membership")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return user_may(request, Membership, "change_membership")

    @admin.action(
        description="Freeze…",
        permissions=["freeze"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def freeze(self, request: HttpRequest, queryset: QuerySet[Membership]):
        return ask_then_run_for_each(
            self,
            request,
            queryset,
            FreezeForm,
            lambda row, values: services().membership_changes.freeze(
                _member_id(row), values["starts_on"], values["ends_on"]
            ),
            succeeded=lambda done, values: (
                f"Froze {formatting.count(done, 'membership', 'memberships')} from "
                f"{values['starts_on']} to {values['ends_on']}."
            ),
            title="Freeze memberships",
            intro="No class is booked on these memberships during the freeze, and their "
            "renewal moves on by the frozen days:",
            submit_label="Freeze",
        )

    @admin.action(
        description="Unfreeze",
        permissions=["freeze"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def unfreeze(self, request: HttpRequest, queryset: QuerySet[Membership]):
        run_for_each(
            self,
            request,
            queryset,
            lambda row: services().membership_changes.unfreeze(_member_id(row)),
            succeeded=lambda done: (
                f"Unfroze {formatting.count(done, 'membership', 'memberships')}."
            ),
        )

    @admin.action(
        description="Cancel at the period end",
        permissions=["cancel"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def cancel_at_end(self, request: HttpRequest, queryset: QuerySet[Membership]):
        run_for_each(
            self,
            request,
            queryset,
            lambda row: services().membership_changes.cancel_at_period_end(_member_id(row)),
            succeeded=lambda done: (
                f"{formatting.count(done, 'membership', 'memberships')} will end at the end "
                "of the period."
            ),
        )

    @admin.action(
        description="Undo the cancellation",
        permissions=["cancel"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def undo_cancellation(self, request: HttpRequest, queryset: QuerySet[Membership]):
        run_for_each(
            self,
            request,
            queryset,
            lambda row: services().membership_changes.cancel_at_period_end(
                _member_id(row), undo=True
            ),
            succeeded=lambda done: (
                f"{formatting.count(done, 'membership', 'memberships')} will renew again."
            ),
        )

    @admin.action(
        description="Renew (payment taken at the desk)…",
        permissions=["cancel"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def renew_at_desk(self, request: HttpRequest, queryset: QuerySet[Membership]):
        return ask_then_run_for_each(
            self,
            request,
            queryset,
            RenewForm,
            lambda row, values: services().renew_membership.execute(
                _member_id(row),
                method=PaymentMethod(values["payment_method"]),
                recorded_by=staff_name(request),
            ),
            succeeded=lambda done, values: (
                f"Renewed {formatting.count(done, 'membership', 'memberships')} for a period."
            ),
            title="Renew memberships",
            intro="Record the next period's payment, taken at the desk, for:",
            submit_label="Record the renewal",
        )

    def get_urls(self):
        start = path(
            "start/", self.admin_site.admin_view(self.start_view), name="members_membership_start"
        )
        return [start, *super().get_urls()]

    def start_view(self, request: HttpRequest):
        """Start a membership of an on-sale plan for the member named by `?member=`, its
        first period paid at the desk."""
        if not user_may(request, Membership, "add_membership"):
            raise PermissionDenied

        def sell(member: Member, values: dict) -> str:
            started = services().start_membership.execute(
                str(member.pk),
                str(values["plan"].pk),
                method=PaymentMethod(values["payment_method"]),
                recorded_by=staff_name(request),
            )
            return (
                f"Started {started.plan.name} for {member.name}: {started.plan.price} paid "
                f"(tax {started.plan.tax}), receipt {started.payment_reference}; it renews "
                f"{formatting.staff_time_with_year(started.period_end)}."
            )

        return desk_sale_page(
            self,
            request,
            StartMembershipForm,
            sell=sell,
            title="Start a membership",
            intro="Start a membership for {name}: it pays for her classes at once.",
        )
