"""What the gym sells: money as a value, class packs, and the rules of selling them.

Amounts are `Decimal`s with an ISO 4217 currency code, never floats. Prices include tax, as
a receipt shows them; the tax inside a price is worked out from its rate and rounded half-up
to the cent, once per sale.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from domain.entities import Member
from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    InvalidMoneyException,
    InvalidProductException,
    MemberCannotBuyException,
    ProductNotOnSaleException,
)
from domain.values import EVERY_CLASS, CreditScope, is_positive_int

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# The longest a pack may stay valid, and the most credits in one, as for any grant.
MAX_PACK_DAYS = 3660
MAX_PACK_CREDITS = 1000


@dataclass(frozen=True)
class Money:
    """An amount of a currency, to the cent."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidMoneyException()
        try:
            cents = self.amount.quantize(CENT)
        except InvalidOperation:
            raise InvalidMoneyException() from None
        if cents != self.amount or cents < 0:
            raise InvalidMoneyException()
        currency = self.currency if isinstance(self.currency, str) else ""
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise InvalidMoneyException()
        object.__setattr__(self, "amount", cents)
        object.__setattr__(self, "currency", currency.upper())

    def tax_included(self, rate_percent: Decimal) -> "Money":
        """The tax inside this tax-inclusive amount at `rate_percent`, rounded half-up to the
        cent (10.00 at 20 % holds 1.67)."""
        tax = self.amount * rate_percent / (HUNDRED + rate_percent)
        return Money(tax.quantize(CENT, rounding=ROUND_HALF_UP), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class PaymentMethod(StrEnum):
    """How a sale was paid. The front desk takes cash or a card on its terminal; a member
    buying online pays by card on the payment provider's page."""

    CASH = "cash"
    CARD_TERMINAL = "card_terminal"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"cash": "Cash", "card_terminal": "Card terminal", "online": "Card online"}[
            self.value
        ]


@dataclass(frozen=True)
class ClassPack:
    """N credits, valid for D days from the sale, at a tax-inclusive price, for the classes
    of its scope (every class by default). An intro offer is sold at most once to each
    member, ever."""

    product_id: str
    name: str
    credits: int
    valid_days: int
    price: Money
    tax_rate: Decimal
    active: bool = True
    intro_offer: bool = False
    scope: CreditScope = EVERY_CLASS

    def __post_init__(self) -> None:
        if (
            not self.name.strip()
            or not is_positive_int(self.credits, MAX_PACK_CREDITS)
            or not is_positive_int(self.valid_days, MAX_PACK_DAYS)
            or not isinstance(self.price, Money)
            or not isinstance(self.tax_rate, Decimal)
            or not Decimal(0) <= self.tax_rate <= HUNDRED
        ):
            raise InvalidProductException()

    @property
    def tax(self) -> Money:
        """The tax inside the price."""
        return self.price.tax_included(self.tax_rate)

    def ensure_sellable(self, *, bought_before: bool) -> None:
        """Refuse a product that is off sale, or an intro offer this member already bought
        (`bought_before`)."""
        if not self.active:
            raise ProductNotOnSaleException()
        if self.intro_offer and bought_before:
            raise IntroOfferAlreadyBoughtException()


def ensure_may_buy(member: Member) -> None:
    """A closed account (staff unticked "active") or an erased one is sold nothing."""
    if member.is_erased or not member.is_active:
        raise MemberCannotBuyException()


@dataclass(frozen=True)
class Purchase:
    """One sale of a pack to a member, as it is kept: what was sold, for how much, how it was
    paid and who recorded it, and the ledger grant it became."""

    purchase_id: str
    member_id: str
    pack: ClassPack
    grant_id: str
    method: PaymentMethod
    recorded_by: str
    reference: str
    purchased_at: datetime

    @property
    def price(self) -> Money:
        return self.pack.price

    @property
    def tax(self) -> Money:
        return self.pack.tax
