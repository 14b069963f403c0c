"""Admin for what the gym sells: products (the Manager's), the sale of a pack to a member
(the Front desk's "Sell a pack" page, reached from a member's page) and the purchases, which
only sales write and nobody edits.

Permissions (sales/migrations/0002_staff_permissions.py): changing products needs
`sales.change_product`; selling needs `sales.add_purchase` (purchases cannot be added by hand,
so this is what the permission means). Purchases are the chain's, as members are: no location
scoping.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from domain.exceptions import DomainException
from domain.sales import PaymentMethod
from gymbooking.composition import services
from members.models import Member
from sales.models import Product, Purchase
from sales.repositories import to_pack
from sales.wording import pack_summary, price_label
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
        )

    def clean(self):
        """The domain decides what a valid pack is (its currency code included)."""
        cleaned = super().clean()
        if not self.errors:
            try:
                pack = to_pack(Product(**{**cleaned, "id": self.instance.pk}))
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


class SellPackForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True), empty_label=None
    )
    payment_method = forms.ChoiceField(
        choices=[(method.value, method.label) for method in PaymentMethod],
        widget=forms.RadioSelect,
        help_text="Take the money first: cash, or the card on the desk's terminal.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].label_from_instance = pack_summary


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every sale, read-only: purchases come from "Sell a pack"."""

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
        "credit_grant",
    )
    readonly_fields = fields

    @admin.display(description="price", ordering="price")
    def price_shown(self, purchase: Purchase) -> str:
        return price_label(purchase.price, purchase.currency)

    @admin.display(description="tax", ordering="tax")
    def tax_shown(self, purchase: Purchase) -> str:
        return price_label(purchase.tax, purchase.currency)

    def get_urls(self):
        sell = path("sell/", self.admin_site.admin_view(self.sell_view), name="sales_purchase_sell")
        return [sell, *super().get_urls()]

    def sell_view(self, request: HttpRequest):
        """Sell one active pack to the member named by `?member=`, paid at the desk, recorded
        under the staff user's name. A refusal is shown and nothing is sold."""
        if not user_may(request, Purchase, "add_purchase"):
            raise PermissionDenied
        member = Member.objects.filter(pk=_uuid_or_none(request.GET.get("member"))).first()
        if member is None:
            self.message_user(request, "Choose the member to sell to first.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:members_member_changelist"))
        back = reverse("admin:members_member_change", args=[member.pk])
        form = SellPackForm(request.POST or None, prefix=FORM_PREFIX)
        if request.method == "POST" and form.is_valid():
            product = form.cleaned_data["product"]
            try:
                purchase = services().sell_product.execute(
                    str(member.pk),
                    str(product.pk),
                    method=PaymentMethod(form.cleaned_data["payment_method"]),
                    recorded_by=request.user.get_full_name() or request.user.get_username(),
                )
            except DomainException as refusal:
                self.message_user(request, f"{member.name}: {refusal}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Sold {purchase.pack.name} to {member.name} for {purchase.price} "
                    f"(tax {purchase.tax}), receipt {purchase.reference}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(back)
        return form_page(
            self,
            request,
            form,
            title="Sell a pack",
            intro=f"Sell a class pack to {member.name}: its credits are added at once.",
            submit_label="Record the sale",
            objects=[str(member)],
            back_url=back,
        )


def _uuid_or_none(value: str | None) -> str | None:
    """The member id asked for, if it is one (anything else finds nobody)."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


# The membership admin: plans, starting a membership, memberships (importing it registers it).
from sales import admin_memberships  # noqa: E402, F401
