"""The ORM adapters of the product, purchase (refunds are a purchase's), membership-plan and
membership-payment ports."""

import uuid
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    MembershipPlanNotFoundException,
    ProductNotFoundException,
    PurchaseNotFoundException,
)
from domain.membership_payments import MembershipPayment
from domain.memberships import MembershipPlan
from domain.refunds import Refund
from domain.sales import ClassPack, Money, PaymentMethod, Purchase
from locations.models import Location
from members.models import Member
from members.repositories import plan_of
from sales.models import MembershipPayment as MembershipPaymentRow
from sales.models import MembershipPlan as PlanRow
from sales.models import Product
from sales.models import Purchase as PurchaseRow
from sales.models import Refund as RefundRow

INTRO_CONSTRAINT = "sales_one_intro_offer_per_member"


def to_pack(row: Product, locations: Iterable[Location] | None = None) -> ClassPack:
    """The pack of `row`, limited to `locations` (None: the row's own, read now)."""
    return ClassPack(
        product_id=str(row.id),
        name=row.name,
        credits=row.credits,
        valid_days=row.valid_days,
        price=Money(row.price, row.currency),
        tax_rate=row.tax_rate,
        active=row.is_active,
        intro_offer=row.intro_offer,
        scope=row.credit_scope(locations),
    )


def to_plan(row: PlanRow) -> MembershipPlan:
    return plan_of(row, plan_id=row.id, name=row.name, on_sale=row.is_active)


def _parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class DjangoProductRepository:
    def get_by_id(self, product_id: str) -> ClassPack:
        key = _parse_id(product_id)
        row = Product.objects.filter(pk=key).first() if key else None
        if row is None:
            raise ProductNotFoundException()
        return to_pack(row)


class DjangoMembershipPlanRepository:
    def get_by_id(self, plan_id: str) -> MembershipPlan:
        key = _parse_id(plan_id)
        row = PlanRow.objects.filter(pk=key).first() if key else None
        if row is None:
            raise MembershipPlanNotFoundException()
        return to_plan(row)


def _home_location_of(member_id: str) -> Subquery:
    """The member's home gym as it is now, read by the insert itself: where a sale counts."""
    return Subquery(Member.objects.filter(pk=member_id).values("home_location_id"))


class DjangoMembershipPaymentRepository:
    def add(self, payment: MembershipPayment) -> None:
        """Placed at the member's home gym as it is when she pays, like a purchase."""
        MembershipPaymentRow.objects.create(
            id=payment.payment_id,
            membership_id=payment.membership_id,
            member_id=payment.member_id,
            plan_id=payment.plan_id,
            plan_name=payment.plan_name,
            kind=payment.kind.value,
            period_start=payment.period_start,
            period_end=payment.period_end,
            price=payment.price.amount,
            tax=payment.tax.amount,
            tax_rate=payment.tax_rate,
            currency=payment.price.currency,
            payment_method=payment.method.value,
            reference=payment.reference,
            recorded_by=payment.recorded_by,
            paid_at=payment.paid_at,
            location_id=_home_location_of(payment.member_id),
        )


class DjangoPurchaseRepository:
    def has_bought(self, member_id: str, product_id: str) -> bool:
        return PurchaseRow.objects.filter(member_id=member_id, product_id=product_id).exists()

    def add(self, purchase: Purchase) -> None:
        """In a savepoint, so the unique constraint's refusal leaves the transaction usable
        for the domain's refusal to roll it back. The sale is placed at the member's home gym
        as it is at the sale (read by the insert itself), for revenue per location."""
        pack = purchase.pack
        try:
            with transaction.atomic():
                PurchaseRow.objects.create(
                    id=purchase.purchase_id,
                    member_id=purchase.member_id,
                    product_id=pack.product_id,
                    credit_grant_id=purchase.grant_id,
                    product_name=pack.name,
                    credits=pack.credits,
                    price=purchase.price.amount,
                    tax=purchase.tax.amount,
                    tax_rate=pack.tax_rate,
                    currency=purchase.price.currency,
                    intro_offer=pack.intro_offer,
                    payment_method=purchase.method.value,
                    reference=purchase.reference,
                    recorded_by=purchase.recorded_by,
                    purchased_at=purchase.purchased_at,
                    location_id=_home_location_of(purchase.member_id),
                )
        except IntegrityError as error:
            if INTRO_CONSTRAINT in str(error) or "sales_purchase.member_id" in str(error):
                raise IntroOfferAlreadyBoughtException() from error
            raise

    def get_by_id(self, purchase_id: str, *, for_update: bool = False) -> Purchase:
        key = _parse_id(purchase_id)
        rows = PurchaseRow.objects.select_related("credit_grant")
        if for_update:
            rows = rows.select_for_update(of=("self",))
        row = rows.filter(pk=key).first() if key else None
        if row is None:
            raise PurchaseNotFoundException()
        return to_purchase(row)

    def refunded(self, purchase_id: str) -> Money:
        row = (
            PurchaseRow.objects.filter(pk=purchase_id)
            .annotate(refunded=Coalesce(Sum("refunds__amount"), Value(0, DecimalField())))
            .values("refunded", "currency")
            .first()
        )
        if row is None:
            raise PurchaseNotFoundException()
        return Money(row["refunded"], row["currency"])

    def add_refund(self, refund: Refund) -> None:
        RefundRow.objects.create(
            id=refund.refund_id,
            purchase_id=refund.purchase_id,
            amount=refund.amount.amount,
            tax=refund.tax.amount,
            credits_withdrawn=refund.credits_withdrawn,
            payment_method=refund.method.value,
            reference=refund.reference,
            reason=refund.reason,
            recorded_by=refund.recorded_by,
            refunded_at=refund.refunded_at,
        )


def to_purchase(row: PurchaseRow) -> Purchase:
    """A stored sale as the domain sees it: the pack as it was sold (its days are the
    grant's, as the product may have changed since)."""
    grant = row.credit_grant
    pack = ClassPack(
        product_id=str(row.product_id),
        name=row.product_name,
        credits=row.credits,
        valid_days=max((grant.expires_at - grant.granted_at).days, 1),
        price=Money(row.price, row.currency),
        tax_rate=row.tax_rate,
        intro_offer=row.intro_offer,
    )
    return Purchase(
        purchase_id=str(row.id),
        member_id=str(row.member_id),
        pack=pack,
        grant_id=str(row.credit_grant_id),
        method=PaymentMethod(row.payment_method),
        recorded_by=row.recorded_by,
        reference=row.reference,
        purchased_at=row.purchased_at,
    )
