"""Selling end to end, on the demo gym: a member buys a class pack at the front desk and
another online (through Stripe's local fake and its signed webhook), books with their
credits, cancels one class late and is charged the pack's fee on the card she saved, which a
manager then waives (refunded to the card); a member on a membership books without spending a
credit, and the desk renews her membership. Then the ledger, the receipts and the revenue
report must agree to the cent, for packs and membership periods alike.

Pages, admin and webhook are driven over the test client; the workers' mail-queue deliveries
(receipts, the fee's charge and refund) are run as a worker runs them."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from demo import memberships as demo_memberships
from demo import products as demo_products
from events.models import Delivery, StoredEvent
from locations.models import Location
from members.models import CreditGrant, Member
from sales.models import Fee, MembershipPayment, Product, Purchase
from sales.wording import membership_product, receipt_number
from tests.factories import FitnessClassFactory, work_at_every_location
from tests.fakes.stripe_server import sign
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

# A member of the demo who bought no credits: her welcome credit went on demo bookings.
HUGO = "hugo@example.com"
PACK = "10 classes"  # 100.00 EUR, 20 % tax; a late cancellation costs 5.00 EUR


@pytest.fixture
def demo(settings, stripe_fake, django_capture_on_commit_callbacks):
    """The demo gym, seeded with Stripe (its fake) configured and late cancellations allowed
    (they forfeit the credit; the pack adds its fee)."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GYM_LATE_CANCELLATION = "forfeit"
    from gymbooking.composition import services

    services.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    mail.outbox.clear()
    yield services()
    services.cache_clear()


@pytest.fixture
def manager(demo, django_user_model) -> Client:
    user = django_user_model.objects.create_user(
        username="max", first_name="Max", last_name="Manager", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Manager"))
    work_at_every_location(user)
    client = Client()
    client.force_login(user)
    return client


def signed_in(email: str) -> Client:
    client = Client()
    client.force_login(Member.objects.get(email=email).user)
    return client


def run_mail_queue(services, capture) -> None:
    """What a mail worker does: every due delivery of the mail queue, once."""
    with capture(execute=True):
        for delivery in Delivery.objects.filter(queue="mail", status="pending"):
            services.dispatcher.deliver_by_id(delivery.pk)


def a_class_at_old_town(starts_in: timedelta):
    return FitnessClassFactory(
        location=Location.objects.get(name__startswith="Old Town"),
        starts_at=timezone.now() + starts_in,
        capacity=12,
    )


def test_buying_booking_a_late_fee_waived_and_the_books_agree(
    demo, manager, stripe_fake, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    services = demo
    hugo = Member.objects.get(email=HUGO)
    pack = Product.objects.get(name=PACK)
    assert hugo.credit_grants.filter(remaining__gt=0).count() == 0

    # the front desk sells him the pack (cash)
    with capture(execute=True):
        sold = manager.post(
            f"{reverse('admin:sales_purchase_sell')}?member={hugo.pk}",
            {
                APPLY: "yes",
                f"{FORM_PREFIX}-product": pack.pk,
                f"{FORM_PREFIX}-payment_method": "cash",
            },
        )
    assert sold.status_code == 302

    # and he buys it again online: Stripe's page, then its signed webhook
    member = signed_in(HUGO)
    assert member.post(reverse("payments:buy", args=[pack.pk])).status_code == 302
    [session_id] = stripe_fake.sessions
    stripe_fake.mark_paid(session_id, payment_method="pm_visa")
    payload = json.dumps(stripe_fake.event(session_id))
    with capture(execute=True):
        delivered = member.post(
            reverse("payments:stripe_webhook"),
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(payload),
        )
    assert delivered.status_code == 200
    assert sorted(
        Purchase.objects.filter(member=hugo).values_list("payment_method", flat=True)
    ) == [
        "cash",
        "online",
    ]

    # he books with the credits: one class next week, one starting within the hour (late)
    next_week = a_class_at_old_town(timedelta(days=6))
    soon = a_class_at_old_town(timedelta(minutes=50))
    with capture(execute=True):
        services.book_class.execute(str(hugo.pk), str(next_week.pk))
        late = services.book_class.execute(str(hugo.pk), str(soon.pk), late_confirmed=True)
    assert CreditGrant.objects.filter(member=hugo).aggregate(left=Sum("remaining"))["left"] == 18

    # she cancels the late one: the credit is forfeited and the pack's fee imposed, told first
    page = member.get(reverse("bookings:mine"))
    assert "late-cancellation fee of 5.00 EUR" in page.text
    with capture(execute=True):
        services.cancel_booking.execute(late.id, member_id=str(hugo.pk))
    fee = Fee.objects.get(member=hugo)
    assert (fee.kind, fee.amount, fee.status) == ("late_cancellation", Decimal("5.00"), "owed")

    # a mail worker sends the receipts and charges the fee to the card he paid online with
    run_mail_queue(services, capture)
    fee.refresh_from_db()
    assert fee.status == "charged"
    [charge] = stripe_fake.requests_to("POST", "/v1/payment_intents")
    assert (charge.params["amount"], charge.params["payment_method"]) == ("500", "pm_visa")

    # the manager waives it within the window: refunded to the card
    with capture(execute=True):
        waived = manager.post(
            reverse("admin:sales_fee_changelist"),
            {
                "action": "waive",
                "_selected_action": [str(fee.pk)],
                "_apply_action": "1",
                "action_form-reason": "First late cancellation",
            },
            follow=True,
        )
    assert waived.status_code == 200
    run_mail_queue(services, capture)
    fee.refresh_from_db()
    assert fee.status == "waived"
    assert fee.refund_reference
    assert StoredEvent.objects.filter(type="FeeRefunded", payload__fee_id=str(fee.pk)).exists()

    # the ledger: each purchase became its grant, and what is left is what was not spent
    purchases = Purchase.objects.filter(member=hugo).select_related("credit_grant")
    assert all(p.credit_grant.amount == p.credits == pack.credits for p in purchases)
    spent = Booking.objects.filter(member=hugo, credit_grant__purchase__in=purchases).count()
    left = CreditGrant.objects.filter(member=hugo).aggregate(left=Sum("remaining"))["left"]
    assert (spent, left) == (2, 2 * pack.credits - 2)

    # the receipts: one each, with the price and the tax inside it
    receipts = [m for m in mail.outbox if m.to == [HUGO] and "receipt" in m.subject.lower()]
    assert len(receipts) == 2
    assert all("100.00 EUR" in m.body and "16.67 EUR" in m.body for m in receipts)

    # the revenue report: the day's sales (Hugo's two, the demo's desk sale and its membership)
    rows = revenue_today(manager)
    assert rows[PACK][2:6] == ["3", "300.00", "50.01", "249.99"]
    assert rows["Total"][3:5] == money_taken_today()


def revenue_today(manager: Client) -> dict[str, list[str]]:
    """The revenue report's CSV of today, per product: its rows by product name."""
    today = timezone.localdate().isoformat()
    report = manager.get(
        reverse("reports:revenue_csv"), {"start": today, "end": today, "group": "product"}
    )
    return {row[0]: row for row in csv.reader(io.StringIO(report.content.decode()))}


def money_taken_today() -> list[str]:
    """Gross and tax of every pack sold and every membership period paid (all of them today)."""
    rows = [Purchase.objects.all(), MembershipPayment.objects.all()]
    sums = [query.aggregate(gross=Sum("price"), tax=Sum("tax")) for query in rows]
    return [f"{sum(s['gross'] for s in sums):.2f}", f"{sum(s['tax'] for s in sums):.2f}"]


def test_a_member_on_a_membership_books_without_credits_and_each_period_paid_agrees(
    demo, manager, django_capture_on_commit_callbacks
):
    maya = Member.objects.get(email=demo_memberships.MEMBER_EMAIL)
    membership = maya.memberships.get(ended_at__isnull=True)
    credits_before = CreditGrant.objects.filter(member=maya).aggregate(s=Sum("remaining"))["s"]
    fitness_class = a_class_at_old_town(timedelta(days=3))

    # she books without spending a credit
    booking = demo.book_class.execute(str(maya.pk), str(fitness_class.pk))
    row = Booking.objects.get(pk=booking.id)
    assert row.membership is not None and row.credit_grant is None
    assert CreditGrant.objects.filter(member=maya).aggregate(s=Sum("remaining"))["s"] == (
        credits_before
    )

    # the front desk renews her membership (card terminal) and a mail worker comes by
    renewed = manager.post(
        reverse("admin:members_membership_changelist"),
        {
            "action": "renew_at_desk",
            "_selected_action": [str(membership.pk)],
            "index": 0,
            APPLY: "yes",
            f"{FORM_PREFIX}-payment_method": "card_terminal",
        },
        follow=True,
    )
    assert renewed.status_code == 200
    run_mail_queue(demo, django_capture_on_commit_callbacks)

    # the ledger: a payment for each period, the last one's period the membership's own
    membership.refresh_from_db()
    start, renewal = MembershipPayment.objects.filter(membership=membership).order_by("paid_at")
    assert (start.kind, renewal.kind) == ("start", "renewal")
    assert sorted(membership.payment_references) == sorted([start.reference, renewal.reference])
    assert (start.period_end, renewal.period_end) == (renewal.period_start, membership.period_end)

    # the receipts: one for each period (the start's was sent as the demo was seeded), with
    # its price and the tax inside it
    sent = Delivery.objects.filter(handler="ReceiptMailer.send_membership_receipt")
    assert list(sent.values_list("status", flat=True)) == ["delivered", "delivered"]
    [receipt] = [m for m in mail.outbox if m.to == [maya.email] and "receipt" in m.subject]
    assert receipt_number(renewal.pk) in receipt.subject
    assert "79.00 EUR" in receipt.body and "13.17 EUR" in receipt.body

    # the revenue report: both periods under the plan, the totals every sale of the day
    rows = revenue_today(manager)
    plan = membership_product(demo_memberships.PLAN_NAME)
    assert rows[plan][2:6] == ["2", "158.00", "26.34", "131.66"]
    assert rows["Total"][3:5] == money_taken_today()


def test_the_demo_sells_packs_and_recorded_one_sale_at_the_desk(demo):
    assert set(Product.objects.values_list("name", flat=True)) == {
        pack["name"] for pack in demo_products.PACKS
    }
    [sale] = Purchase.objects.all()
    assert (sale.member.email, sale.product_name, sale.payment_method) == (
        demo_products.BUYER_EMAIL,
        demo_products.BOUGHT,
        "cash",
    )
