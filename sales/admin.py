"""Admin for what the gym sells: products (the Manager's), the sale of a pack to a member
(the Front desk's "Sell a pack" page, reached from a member's page) and the purchases, which
only sales write and nobody edits.

Permissions (sales/migrations/0002_staff_permissions.py): changing products needs
`sales.change_product`; selling needs `sales.add_purchase` (purchases cannot be added by hand,
so this is what the permission means); refunding needs `sales.add_refund`, the Manager's only
(0007_refund_permissions.py): the "Refund…" action on a purchase's page opens the refund's
own page, and the purchase lists its refunds. Purchases are the chain's, as members are: no
location scoping.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from domain.exceptions import DomainException
from domain.refunds import MAX_REASON_LENGTH
from domain.sales import MAX_PACK_CREDITS, Money, PaymentMethod
from gymbooking.composition import services
from locations.scoping import locations_of
from members.models import Member
from sales.admin_desk import desk_sale_page, staff_name
from sales.models import Product, Purchase, Refund
from sales.repositories import to_pack
from sales.wording import pack_summary, price_label, receipt_number
from web.admin_actions import FORM_PREFIX, ReadOnlyAdminMixin, form_page, user_may


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = (
            "name",
            "credits",
            "valid_days",
            "price",
            "currency",
            "tax_rate",
            "is_active",
            "intro_offer",
            "locations",
            "class_names",
            "late_cancel_fee",
            "no_show_fee",
        )

    def clean(self):
        """The domain decides what a valid pack is (its currency code included)."""
        cleaned = super().clean()
        if not self.errors:
            try:
                columns = {k: v for k, v in cleaned.items() if k != "locations"}
                pack = to_pack(Product(**columns, id=self.instance.pk), cleaned["locations"])
            except DomainException as refusal:
                raise ValidationError(str(refusal)) from refusal
            cleaned["currency"] = pack.price.currency
        return cleaned


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ("name", "credits", "valid_days", "price_shown", "tax_rate", "is_active")
    list_filter = ("is_active", "intro_offer")
    search_fields = ("name",)

    @admin.display(description="price")
    def price_shown(self, product: Product) -> str:
        return price_label(product.price, product.currency)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        """A pack is limited among the user's own locations; one elsewhere that it already
        has is neither shown nor dropped (`save_related`)."""
        if db_field.name == "locations":
            kwargs["queryset"] = locations_of(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        mine = locations_of(request.user).values("pk")
        elsewhere = list(form.instance.locations.exclude(pk__in=mine)) if change else []
        super().save_related(request, form, formsets, change)
        form.instance.locations.add(*elsewhere)


class SellPackForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True).prefetch_related("locations"),
        empty_label=None,
    )
    payment_method = forms.ChoiceField(
        choices=[(method.value, method.label) for method in PaymentMethod],
        widget=forms.RadioSelect,
        help_text="Take the money first: cash, or the card on the desk's terminal.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].label_from_instance = pack_summary


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text="Tax included, given back the way the purchase was paid.",
    )
    credits = forms.IntegerField(
        label="Credits to withdraw",
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PACK_CREDITS)],
        help_text="Of the pack's credits still unspent; spent ones are never taken back.",
    )
    reason = forms.CharField(max_length=MAX_REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A purchase's refunds, oldest first, as they were recorded."""

    model = Refund
    extra = 0
    fields = (
        "refunded_at",
        "amount",
        "tax",
        "credits_withdrawn",
        "payment_method",
        "reference",
        "reason",
        "recorded_by",
    )
    readonly_fields = fields


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every sale, read-only: purchases come from "Sell a pack", refunds from "Refund…"."""

    list_display = (
        "purchased_at",
        "member",
        "product_name",
        "price_shown",
        "tax_shown",
        "payment_method",
        "recorded_by",
    )
    list_filter = ("payment_method", "product", "purchased_at")
    list_select_related = ("member",)
    search_fields = ("member__name", "member__email", "product_name", "reference")
    ordering = ("-purchased_at", "id")
    show_full_result_count = False
    fields = (
        "member",
        "product_name",
        "credits",
        "price",
        "tax",
        "tax_rate",
        "currency",
        "payment_method",
        "reference",
        "recorded_by",
        "purchased_at",
        "location",
        "credit_grant",
    )
    readonly_fields = fields
    inlines = [RefundInline]
    actions = ["refund"]

    @admin.display(description="price", ordering="price")
    def price_shown(self, purchase: Purchase) -> str:
        return price_label(purchase.price, purchase.currency)

    @admin.display(description="tax", ordering="tax")
    def tax_shown(self, purchase: Purchase) -> str:
        return price_label(purchase.tax, purchase.currency)

    def get_urls(self):
        sell = path("sell/", self.admin_site.admin_view(self.sell_view), name="sales_purchase_sell")
        refund = path(
            "<uuid:purchase_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="sales_purchase_refund",
        )
        return [sell, refund, *super().get_urls()]

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return user_may(request, Refund, "add_refund")

    @admin.action(
        description="Refund…",
        permissions=["refund"],
        location=[admin.ActionLocation.CHANGE_FORM],
    )
    def refund(self, request: HttpRequest, queryset: QuerySet[Purchase]):
        """The refund's own page, which asks how much, how many credits and why."""
        purchase = queryset.first()
        return HttpResponseRedirect(reverse("admin:sales_purchase_refund", args=[purchase.pk]))

    def refund_view(self, request: HttpRequest, purchase_id):
        """Refund the purchase, wholly or in part, recorded under the staff user's name. Bad
        input or a refusal is shown on the form and nothing is refunded."""
        if not self.has_refund_permission(request):
            raise PermissionDenied
        purchase = Purchase.objects.select_related("member", "credit_grant").filter(pk=purchase_id)
        purchase = purchase.annotate(refunded=Sum("refunds__amount")).first()
        if purchase is None:
            self.message_user(request, "That purchase does not exist.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:sales_purchase_changelist"))
        back = reverse("admin:sales_purchase_change", args=[purchase.pk])
        left = purchase.price - (purchase.refunded or 0)
        initial = {"amount": left, "credits": _unspent(purchase)}
        form = RefundForm(request.POST or None, prefix=FORM_PREFIX, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                refund = services().refund_purchase.execute(
                    str(purchase.pk),
                    Money(data["amount"], purchase.currency),
                    reason=data["reason"],
                    recorded_by=staff_name(request),
                    credits=data["credits"],
                )
            except DomainException as refusal:
                form.add_error(None, str(refusal))
            else:
                self.message_user(
                    request,
                    f"Refunded {refund.amount} (tax {refund.tax}) of {purchase.product_name} "
                    f"to {purchase.member.name}, {refund.credits_withdrawn} credits withdrawn, "
                    f"refund {refund.reference}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(back)
        return form_page(
            self,
            request,
            form,
            title="Refund a purchase",
            intro=(
                f"Refund receipt {receipt_number(purchase.pk)}: paid "
                f"{price_label(purchase.price, purchase.currency)}, "
                f"{price_label(left, purchase.currency)} left to refund."
            ),
            submit_label="Record the refund",
            objects=[str(purchase)],
            back_url=back,
        )

    def sell_view(self, request: HttpRequest):
        """Sell one active pack to the member named by `?member=`, paid at the desk."""
        if not user_may(request, Purchase, "add_purchase"):
            raise PermissionDenied

        def sell(member: Member, values: dict) -> str:
            purchase = services().sell_product.execute(
                str(member.pk),
                str(values["product"].pk),
                method=PaymentMethod(values["payment_method"]),
                recorded_by=staff_name(request),
            )
            return (
                f"Sold {purchase.pack.name} to {member.name} for {purchase.price} "
                f"(tax {purchase.tax}), receipt {purchase.reference}."
            )

        return desk_sale_page(
            self,
            request,
            SellPackForm,
            sell=sell,
            title="Sell a pack",
            intro="Sell a class pack to {name}: its credits are added at once.",
        )


def _unspent(purchase: Purchase) -> int:
    """The grant's credits still to spend (none once it has expired)."""
    grant = purchase.credit_grant
    return grant.remaining if grant.expires_at > timezone.now() else 0


# The membership admin: plans, starting a membership, memberships (importing it registers it).
from sales import admin_memberships  # noqa: E402, F401
