"""Fees through the ORM adapters: a late cancellation of a class booked with a fee pack's
credit imposes one fee row with its event, left for the card on the slow queue; the
product's policy is read in one query; the database keeps one fee per booking and kind."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from application.ports import Notice, NoticeKind
from classes.repositories import DjangoClassRepository
from domain.fees import NO_FEES, FeeKind, FeeStatus
from domain.sales import Money
from events.models import Delivery, StoredEvent
from members.repositories import DjangoMemberRepository
from notifications.email import EmailNotificationService
from notifications.models import Notification
from sales.fees import DjangoFeeRepository, NoCardOnFile, SalesFeePolicies
from sales.models import Fee
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    MembershipFactory,
    ProductFactory,
    PurchaseFactory,
)

pytestmark = pytest.mark.django_db

FIVE = Decimal("5.00")


@pytest.fixture
def late(settings):
    settings.GYM_LATE_CANCELLATION = "forfeit"


def booking_paid_by(grant, starts_in=timedelta(hours=1)):
    return BookingFactory(
        member=grant.member,
        credit_grant=grant,
        fitness_class=FitnessClassFactory(starts_at=timezone.now() + starts_in),
    )


def fee_pack_booking(**product_fields):
    purchase = PurchaseFactory(product=ProductFactory(late_cancel_fee=FIVE, **product_fields))
    return booking_paid_by(purchase.credit_grant)


def test_a_late_cancellation_imposes_one_owed_fee_and_leaves_the_charge_to_the_workers(
    late, services, django_capture_on_commit_callbacks
):
    booking = fee_pack_booking()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(booking.pk), member_id=str(booking.member_id))

    fee = Fee.objects.get()
    assert (fee.kind, fee.amount, fee.currency, fee.status) == (
        FeeKind.LATE_CANCELLATION,
        FIVE,
        "EUR",
        FeeStatus.OWED,
    )
    assert (fee.booking_id, fee.member_id) == (booking.pk, booking.member_id)
    imposed = StoredEvent.objects.get(type="FeeImposed")
    assert imposed.payload["amount"] == "5.00"
    charge = Delivery.objects.get(event=imposed, handler="FeeCardHandler.charge")
    assert (charge.queue, charge.status) == ("mail", "pending")
    # and she is told in the app at once (the e-mail waits for a mail worker)
    assert Notification.objects.get(member=booking.member, kind="fee_owed").body.startswith(
        "A late cancellation fee of 5.00 EUR applies"
    )


def test_the_charge_delivered_without_a_card_on_file_leaves_the_fee_owed(
    late, services, django_capture_on_commit_callbacks
):
    booking = fee_pack_booking()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(booking.pk))
    delivery = Delivery.objects.get(handler="FeeCardHandler.charge")

    services.dispatcher.deliver_by_id(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert Fee.objects.get().status == FeeStatus.OWED


def test_a_granted_credit_carries_no_fee():
    booking = booking_paid_by(CreditGrantFactory())

    assert SalesFeePolicies().for_booking(str(booking.pk)) is NO_FEES


def test_a_pack_s_fees_are_read_in_one_query(django_assert_num_queries):
    booking = fee_pack_booking(no_show_fee=Decimal("8.00"), currency="GBP")

    with django_assert_num_queries(1):
        terms = SalesFeePolicies().for_booking(str(booking.pk))

    assert terms.late_cancellation == Money(FIVE, "GBP")
    assert terms.no_show == Money(Decimal("8.00"), "GBP")


def test_a_booking_a_membership_paid_for_has_the_fees_of_its_plan(django_assert_num_queries):
    membership = MembershipFactory(no_show_fee=Decimal("12.00"), currency="GBP")
    booking = BookingFactory(member=membership.member, membership=membership, credit_grant=None)

    with django_assert_num_queries(1):
        terms = SalesFeePolicies().for_booking(str(booking.pk))

    assert terms.no_show == Money(Decimal("12.00"), "GBP")
    assert terms.late_cancellation is None


def test_an_unknown_booking_carries_no_fee():
    assert SalesFeePolicies().for_booking("not-a-booking") is NO_FEES


def test_the_database_keeps_one_fee_per_booking_and_kind(
    late, services, django_capture_on_commit_callbacks
):
    booking = fee_pack_booking()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(booking.pk))
    fee = DjangoFeeRepository().get_for_booking(str(booking.pk), FeeKind.LATE_CANCELLATION)
    twin = type(fee).impose(
        fee.member_id, fee.booking_id, fee.class_id, fee.kind, fee.amount, now=timezone.now()
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        DjangoFeeRepository().add(twin)

    assert Fee.objects.count() == 1


def test_a_waiver_is_saved_with_its_reason_and_event(
    late, services, django_capture_on_commit_callbacks
):
    booking = fee_pack_booking()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(booking.pk))
    fee = Fee.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.waive_fee.execute(str(fee.pk), "First time", waived_by="Max")

    fee.refresh_from_db()
    assert (fee.status, fee.reason, fee.settled_by) == (FeeStatus.WAIVED, "First time", "Max")
    assert StoredEvent.objects.filter(type="FeeWaived").count() == 1


def test_nobody_has_a_card_on_file_until_online_payment():
    assert NoCardOnFile().charge("m", Money(FIVE, "EUR"), "fee", idempotency_key="k") is None


@pytest.mark.parametrize(
    ("kind", "reason", "said"),
    [
        (NoticeKind.FEE_OWED, "no-show fee of 8.00 EUR", "A no-show fee of 8.00 EUR applies"),
        (NoticeKind.FEE_CHARGED, "8.00 EUR", "We charged the fee of 8.00 EUR to your saved card."),
    ],
)
def test_the_fee_e_mails_say_the_fee_and_its_class(kind, reason, said):
    booking = fee_pack_booking()
    member = DjangoMemberRepository().get_contact(str(booking.member_id))
    fitness_class = DjangoClassRepository().get_by_id(str(booking.fitness_class_id))
    notice = Notice(kind, member.id, fitness_class.id, reason, booking_id=str(booking.pk))

    message = EmailNotificationService().build_message(notice, member, fitness_class)

    assert said in message.body
    assert said in message.alternatives[0][0]
    assert fitness_class.name in message.subject
