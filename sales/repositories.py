"""The ORM adapters of the product, purchase and membership-plan ports."""

import uuid

from django.db import IntegrityError, transaction

from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    MembershipPlanNotFoundException,
    ProductNotFoundException,
)
from domain.memberships import MembershipPlan
from domain.sales import ClassPack, Money, Purchase
from members.repositories import plan_of
from sales.models import MembershipPlan as PlanRow
from sales.models import Product
from sales.models import Purchase as PurchaseRow

INTRO_CONSTRAINT = "sales_one_intro_offer_per_member"


def to_pack(row: Product) -> ClassPack:
    return ClassPack(
        product_id=str(row.id),
        name=row.name,
        credits=row.credits,
        valid_days=row.valid_days,
        price=Money(row.price, row.currency),
        tax_rate=row.tax_rate,
        active=row.is_active,
        intro_offer=row.intro_offer,
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


class DjangoPurchaseRepository:
    def has_bought(self, member_id: str, product_id: str) -> bool:
        return PurchaseRow.objects.filter(member_id=member_id, product_id=product_id).exists()

    def add(self, purchase: Purchase) -> None:
        """In a savepoint, so the unique constraint's refusal leaves the transaction usable
        for the domain's refusal to roll it back."""
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
                )
        except IntegrityError as error:
            if INTRO_CONSTRAINT in str(error) or "sales_purchase.member_id" in str(error):
                raise IntroOfferAlreadyBoughtException() from error
            raise
