"""Buying a pack online, over the in-memory twins: the checkout is refused as a desk sale would
be, a paid checkout is recorded as a desk sale is (method ONLINE, the payment's reference),
and one that can no longer be sold is refunded and recorded, never dropped."""

from decimal import Decimal

import pytest

from application.online_sales import ONLINE_RECORDER, PaidCheckout
from domain.events import (
    ClassPackPurchased,
    CreditsAdded,
    OnlineCheckoutStarted,
    OnlinePaymentRefunded,
)
from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    MemberCannotBuyException,
    OnlinePaymentUnavailableException,
    ProductNotOnSaleException,
)
from domain.sales import ClassPack, Money, PaymentMethod

NINETY_EUROS = Money(Decimal("90.00"), "EUR")


def on_sale(gym, **changes) -> ClassPack:
    values = {
        "product_id": f"pack-{changes.get('name', 'ten')}",
        "name": "10 classes",
        "credits": 10,
        "valid_days": 90,
        "price": NINETY_EUROS,
        "tax_rate": Decimal("20"),
    }
    return gym.products.add(ClassPack(**{**values, **changes}))


def start(gym, member, pack):
    return gym.start_checkout.execute(
        member.id,
        pack.product_id,
        success_url="https://gym.test/ok",
        cancel_url="https://gym.test/no",
    )


def paid(member, pack, *, session="cs_1", amount=NINETY_EUROS) -> PaidCheckout:
    return PaidCheckout(
        session_id=session,
        member_id=member.id,
        product_id=pack.product_id,
        payment_reference=f"pi_of_{session}",
        amount=amount,
    )


def close_account(gym, member) -> None:
    closed = gym.members.get_by_id(member.id)
    closed.is_active = False
    gym.members.save(closed)


def test_starting_a_checkout_asks_the_provider_for_the_pack_at_its_price(gym):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym)

    session = start(gym, ana, pack)

    [request] = gym.checkout.started
    assert (request.member_id, request.member_email) == (ana.id, str(ana.email))
    assert (request.product_id, request.product_name) == (pack.product_id, "10 classes")
    assert request.amount == NINETY_EUROS
    assert session.url == "https://pay.test/cs_1"
    [event] = gym.events
    assert isinstance(event, OnlineCheckoutStarted)
    assert (event.session_id, event.price, event.currency) == ("cs_1", "90.00", "EUR")
    assert gym.credits(ana) == 0  # nothing is hers before the payment is confirmed


@pytest.mark.parametrize(
    ("setup", "refusal"),
    [
        ("off_sale", ProductNotOnSaleException),
        ("intro_bought", IntroOfferAlreadyBoughtException),
        ("closed", MemberCannotBuyException),
    ],
)
def test_a_checkout_is_refused_as_a_desk_sale_would_be_and_nothing_is_asked_of_the_provider(
    gym, setup, refusal
):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym, active=setup != "off_sale", intro_offer=setup == "intro_bought")
    if setup == "intro_bought":
        gym.sell_product.execute(
            ana.id, pack.product_id, method=PaymentMethod.CASH, recorded_by="Dee"
        )
    if setup == "closed":
        close_account(gym, ana)
    gym.clear_history()

    with pytest.raises(refusal):
        start(gym, ana, pack)

    assert gym.checkout.started == []
    assert gym.events == []


def test_without_a_provider_online_checkout_is_refused_clearly(gym):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym)
    gym.start_checkout.checkout = None  # as the bootstrap builds it without online payment

    with pytest.raises(OnlinePaymentUnavailableException, match="front desk"):
        start(gym, ana, pack)

    assert gym.events == []


def test_a_provider_out_of_reach_charges_nothing_and_records_nothing(gym):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym)
    gym.checkout.unavailable = True

    with pytest.raises(OnlinePaymentUnavailableException):
        start(gym, ana, pack)

    assert gym.events == []


def test_a_paid_checkout_is_recorded_as_a_desk_sale_is_with_the_payments_reference(gym):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym)

    outcome = gym.complete_checkout.execute(paid(ana, pack))

    assert gym.credits(ana) == 10
    [purchase] = gym.purchases.all()
    assert purchase == outcome.purchase
    assert (purchase.method, purchase.reference, purchase.recorded_by) == (
        PaymentMethod.ONLINE,
        "pi_of_cs_1",
        ONLINE_RECORDER,
    )
    added, bought = gym.events
    assert isinstance(added, CreditsAdded)
    assert isinstance(bought, ClassPackPurchased)
    assert (bought.payment_method, bought.recorded_by) == ("online", "Online")
    assert gym.checkout.cards == {ana.id: "card of pi_of_cs_1"}
    assert gym.checkout.refunds == {}
    assert gym.payments.charges == []  # the desk's port is not asked


@pytest.mark.parametrize("setup", ["intro_bought", "closed", "off_sale", "price_changed"])
def test_a_paid_checkout_that_can_no_longer_be_sold_is_refunded_and_recorded(gym, setup):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym, intro_offer=setup == "intro_bought")
    if setup == "intro_bought":  # bought at the desk while she was paying online
        gym.sell_product.execute(
            ana.id, pack.product_id, method=PaymentMethod.CASH, recorded_by="Dee"
        )
    if setup == "closed":
        close_account(gym, ana)
    if setup == "off_sale":
        on_sale(gym, active=False)
    amount = Money(Decimal("80.00"), "EUR") if setup == "price_changed" else NINETY_EUROS
    credits_before = gym.credits(ana)
    purchases_before = gym.purchases.all()
    gym.clear_history()

    outcome = gym.complete_checkout.execute(paid(ana, pack, amount=amount))

    assert outcome.purchase is None
    assert gym.credits(ana) == credits_before
    assert gym.purchases.all() == purchases_before
    assert gym.checkout.refunds == {"refund-cs_1": ("pi_of_cs_1", amount)}
    [refunded] = gym.events
    assert isinstance(refunded, OnlinePaymentRefunded)
    assert (refunded.payment_reference, refunded.refund_reference) == (
        "pi_of_cs_1",
        "re_refund-cs_1",
    )
    assert refunded.reason == outcome.reason != ""
    assert gym.checkout.cards == {}


def test_a_refund_the_provider_cannot_make_leaves_everything_for_the_next_delivery(gym):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym, active=False)
    gym.clear_history()
    gym.checkout.unavailable = True

    with pytest.raises(OnlinePaymentUnavailableException):
        gym.complete_checkout.execute(paid(ana, pack))

    assert gym.events == []
    assert gym.purchases.all() == []


def test_a_card_the_provider_cannot_keep_rolls_the_sale_back_for_the_next_delivery(gym):
    ana = gym.add_member("Ana", credits=0)
    pack = on_sale(gym)
    gym.checkout.keep_card = _unreachable

    with pytest.raises(OnlinePaymentUnavailableException):
        gym.complete_checkout.execute(paid(ana, pack))

    assert gym.credits(ana) == 0
    assert gym.purchases.all() == []
    assert gym.events == []


def _unreachable(member_id: str, payment_reference: str) -> None:
    raise OnlinePaymentUnavailableException()
