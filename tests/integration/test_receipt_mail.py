"""Receipts and refund notes by e-mail: sent by the mail workers on the sale's and the refund's
events, plain text with an HTML part, with the seller's details and the tax lines; an erased
member is sent nothing, and a delivery is never sent twice."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from domain.sales import Money, PaymentMethod
from events.dispatcher import retry_now
from events.models import Delivery
from members.models import CreditGrant
from sales.models import Purchase
from sales.wording import receipt_number
from tests.factories import LocationFactory, MemberFactory, ProductFactory

pytestmark = pytest.mark.django_db

SOLD_AT = datetime(2031, 3, 31, 23, 30, tzinfo=UTC)  # 1 April 00:30 in London (BST)


@pytest.fixture
def seller(settings):
    settings.GYM_LEGAL_NAME = "Old Town Fitness Ltd"
    settings.GYM_ADDRESS = "1 Old Town Square;London EC1A 1AA"
    settings.GYM_TAX_NUMBER = "GB 123 4567 89"


@pytest.fixture
def sold(services, seller):
    """Ana's sale, moved to `SOLD_AT` (the receipt is read from the row when it is sent)."""
    ana = MemberFactory(
        name="Ana Silva",
        email="ana@example.com",
        home_location=LocationFactory(name="Old Town", time_zone="Europe/London"),
    )
    pack = ProductFactory(name="10 classes", price=Decimal("90.00"), tax_rate=Decimal("20"))
    sale = services.sell_product.execute(
        str(ana.pk), str(pack.pk), method=PaymentMethod.CARD_TERMINAL, recorded_by="Dee Desk"
    )
    Purchase.objects.filter(pk=sale.purchase_id).update(purchased_at=SOLD_AT)
    CreditGrant.objects.filter(pk=sale.grant_id).update(expires_at=SOLD_AT + timedelta(days=90))
    return Purchase.objects.get(pk=sale.purchase_id)


def test_the_receipt_is_mailed_by_the_mail_worker_with_the_tax_and_the_sellers_details(
    sold, mail_worker
):
    # given the sale, nothing is sent on the request
    assert mail.outbox == []

    # when
    mail_worker()

    # then
    [message] = mail.outbox
    number = receipt_number(sold.pk)
    assert message.to == ["ana@example.com"]
    assert message.subject == f"Your receipt {number} from Old Town Fitness Ltd"
    text = message.body
    for line in [
        "Hi Ana Silva,",
        f"Receipt {number}",
        "Date:      1 April 2031, 00:30",
        "Old Town Fitness Ltd",
        "1 Old Town Square",
        "London EC1A 1AA",
        "Tax number: GB 123 4567 89",
        "10 classes",
        "10 credits, valid until 30 June 2031",
        "Price (tax included): 90.00 EUR",
        "Tax at 20%:    15.00 EUR",
        "Net:                  75.00 EUR",
        f"Paid by Card terminal, reference {sold.reference}",
    ]:
        assert line in text.splitlines(), line
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    for fragment in ["Tax at 20%", "15.00 EUR", "75.00 EUR", "GB 123 4567 89", number]:
        assert fragment in html


def test_a_refund_note_says_what_was_given_back_and_withdrawn(services, sold, mail_worker):
    mail_worker()
    refund = services.refund_purchase.execute(
        str(sold.pk),
        Money(Decimal("45.00"), "EUR"),
        reason="Moved away",
        recorded_by="Max Manager",
        credits=4,
    )
    mail.outbox.clear()
    today = timezone.localdate(timezone.now(), ZoneInfo("Europe/London"))

    mail_worker()

    [message] = mail.outbox
    assert message.subject == f"Refund of 45.00 EUR for receipt {receipt_number(sold.pk)}"
    assert (
        f"We have refunded 45.00 EUR (of which tax 7.50 EUR) for receipt "
        f"{receipt_number(sold.pk)}, by card terminal, reference {refund.reference}, "
        f"on {today:%-d %B %Y}." in message.body
    )
    assert "4 unused credits of the pack were withdrawn from your account." in message.body
    assert "Refunded: 45.00 EUR" in message.body
    assert "Moved away" not in message.body  # the staff's reason is theirs
    assert "45.00 EUR" in message.alternatives[0][0]


def test_an_erased_member_is_sent_no_receipt(services, sold, mail_worker):
    services.erase_member.execute(str(sold.member_id))

    mail_worker()

    assert mail.outbox == []
    assert Delivery.objects.get(handler="ReceiptMailer.send_receipt").status == "delivered"


def test_a_receipt_is_sent_once_however_often_the_workers_come_by(sold, mail_worker):
    # given one delivery per event and handler
    assert Delivery.objects.filter(handler="ReceiptMailer.send_receipt").count() == 1

    # when the workers pass again, and staff ask for a retry of what was delivered
    mail_worker()
    retry_now(Delivery.objects.all())
    mail_worker()
    mail_worker()

    # then
    assert len(mail.outbox) == 1


def test_a_receipt_that_failed_to_send_is_sent_once_on_the_retry(sold, mail_worker, monkeypatch):
    with monkeypatch.context() as server_down:
        server_down.setattr(EmailMultiAlternatives, "send", refuse)
        mail_worker()
    delivery = Delivery.objects.get(handler="ReceiptMailer.send_receipt")
    assert delivery.status == "failed"

    retry_now(Delivery.objects.filter(pk=delivery.pk))
    mail_worker()
    mail_worker()

    assert len(mail.outbox) == 1


def refuse(message, fail_silently=False):
    raise ConnectionRefusedError("the mail server is down")
