"""A booking her membership paid for is told as such, in the app and by e-mail alike: no
credit was spent, so none is "refunded" or "used"; a cancellation in time gives the class
back to her plan, a late one keeps it counted. Read from the booking when delivered."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from application.notices import NoticeState, as_delivered
from application.ports import Notice, NoticeKind
from bookings.repositories import DjangoBookingRepository
from classes.repositories import DjangoClassRepository
from members.repositories import DjangoMemberRepository
from notifications.email import EmailNotificationService
from notifications.wording import notice_body
from tests.factories import BookingFactory, FitnessClassFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def told(kind: NoticeKind, status: str, *, by_membership: bool) -> tuple[str, str]:
    """The in-app body and the e-mail text of a notice about a booking in `status`."""
    class_row = FitnessClassFactory(starts_at=timezone.now() + timedelta(days=1))
    membership = MembershipFactory()
    booking_row = BookingFactory(
        member=membership.member,
        fitness_class=class_row,
        status=status,
        membership=membership if by_membership else None,
    )
    member = DjangoMemberRepository().get_by_id(str(membership.member_id))
    fitness_class = DjangoClassRepository().get_by_id(str(class_row.id))
    booking = DjangoBookingRepository().get_by_id(str(booking_row.id))
    state = NoticeState(fitness_class=fitness_class, booking=booking, now=timezone.now())
    notice = Notice(kind, member.id, fitness_class.id, booking_id=booking.id)
    delivered = as_delivered(notice, state)
    with timezone.override(settings.TIME_ZONE):
        mail = EmailNotificationService().build_message(delivered, member, fitness_class)
    return notice_body(delivered, fitness_class), mail.body


@pytest.mark.parametrize(
    ("kind", "status", "sentence"),
    [
        (
            NoticeKind.PROMOTED_FROM_WAITLIST,
            "confirmed",
            "we booked you in on your membership",
        ),
        (NoticeKind.BOOKING_CANCELLED, "cancelled", "no longer counts against your plan"),
        (NoticeKind.BOOKING_CANCELLED, "late_cancelled", "still counts against your plan"),
    ],
)
def test_a_booking_the_membership_paid_for_is_told_without_credits(kind, status, sentence):
    in_app, email = told(kind, status, by_membership=True)

    assert sentence in in_app
    assert sentence in email
    assert "credit" not in in_app
    assert "credit" not in email


@pytest.mark.parametrize(
    ("kind", "status", "sentence"),
    [
        (NoticeKind.PROMOTED_FROM_WAITLIST, "confirmed", "one credit was used"),
        (NoticeKind.BOOKING_CANCELLED, "late_cancelled", "the credit is not refunded"),
    ],
)
def test_a_booking_a_credit_paid_for_is_told_as_before(kind, status, sentence):
    in_app, email = told(kind, status, by_membership=False)

    assert sentence in in_app
    assert sentence in email
