"""Cancelling and promoting end to end: the use cases from `services()`, the ORM repositories,
the on-commit dispatcher and the e-mail notifications, checked in the database and the outbox.

`django_capture_on_commit_callbacks(execute=True)` runs the callbacks when its block ends and
keeps running the ones those callbacks register (Django >= 4.0 loops until no new callback
appears), so a cancellation's promotion and the promotion's own in-app notice both happen
inside it. E-mail is the workers' only: `mail_worker()` sends it before the outbox is read.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from domain.exceptions import BookingNotCancellableException, ClassCancelledException
from members.models import CreditGrant
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db

PROMOTED_SUBJECT = "You're in! A spot opened up"


@pytest.fixture
def now():
    return timezone.now()


def spin_class(now, *, starts_in=timedelta(hours=3), capacity=10, booked=()):
    """Spin, full: the given members booked first, fresh members in the remaining spots."""
    spin = FitnessClassFactory(name="Spin", capacity=capacity, starts_at=now + starts_in)
    bookings = [BookingFactory(member=member, fitness_class=spin) for member in booked]
    BookingFactory.create_batch(capacity - len(bookings), fitness_class=spin)
    return spin, bookings


def wait(fitness_class, member, now, minutes_ago):
    """`member` joined the waitlist `minutes_ago`: earlier joiners come first."""
    return WaitlistEntryFactory(
        member=member, fitness_class=fitness_class, created_at=now - timedelta(minutes=minutes_ago)
    )


def confirmed(fitness_class):
    return Booking.objects.filter(fitness_class=fitness_class, status="confirmed")


def confirmed_member_ids(fitness_class):
    return set(confirmed(fitness_class).values_list("member_id", flat=True))


def waiting(fitness_class):
    """Members on the class's waitlist, in order of joining."""
    return [
        entry.member
        for entry in WaitlistEntry.objects.filter(fitness_class=fitness_class)
        .select_related("member")
        .order_by("created_at", "id")
    ]


def spendable_credits(member, now):
    return sum(
        CreditGrant.objects.filter(member=member, expires_at__gt=now).values_list(
            "remaining", flat=True
        )
    )


def mail_to(outbox, member):
    return [message for message in outbox if message.to == [member.email]]


def test_cancelling_books_the_first_waiting_member_into_the_freed_spot(
    services, now, mailoutbox, mail_worker, django_capture_on_commit_callbacks
):
    # given Ana booked on a full Spin in 3 hours, Ben (1 credit) waiting first, Cara second
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    cara = member_with_credits(1, name="Cara")
    spin, [ana_booking] = spin_class(now, booked=[ana])
    wait(spin, ben, now, minutes_ago=10)
    wait(spin, cara, now, minutes_ago=5)
    ben_grant = CreditGrant.objects.get(member=ben)

    # when Ana cancels and the after-commit handlers run
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then Ana's booking is cancelled and her credit refunded, expiring in 30 days
    ana_booking.refresh_from_db()
    assert ana_booking.status == "cancelled"
    refund = CreditGrant.objects.get(member=ana)
    assert refund.remaining == 1
    assert refund.expires_at - refund.granted_at == timedelta(days=30)
    # and Ben is booked with his credit spent and is off the waitlist
    ben_booking = confirmed(spin).get(member=ben)
    assert ben_booking.credit_grant_id == ben_grant.id
    ben_grant.refresh_from_db()
    assert ben_grant.remaining == 0
    # and Cara is now first on the waitlist, the class full again
    assert waiting(spin) == [cara]
    assert confirmed(spin).count() == 10
    # and once the mail worker has run, Ben heard he is in, Ana that she cancelled, Cara nothing
    assert mail_worker() == "Ran 2 deliveries."
    [ben_mail] = mail_to(mailoutbox, ben)
    assert ben_mail.subject.startswith(PROMOTED_SUBJECT)
    assert "You're in" in ben_mail.body
    [ana_mail] = mail_to(mailoutbox, ana)
    assert ana_mail.subject.startswith("Booking cancelled: Spin")
    assert "refunded" in ana_mail.body
    assert mail_to(mailoutbox, cara) == []
    assert len(mailoutbox) == 2


def test_a_waiting_member_without_credit_is_skipped_and_keeps_their_place(
    services, now, mailoutbox, mail_worker, django_capture_on_commit_callbacks
):
    # given Ben (no credit) waiting first and Cara (1 credit) second on a full Spin
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(0, name="Ben")
    cara = member_with_credits(1, name="Cara")
    spin, [ana_booking] = spin_class(now, booked=[ana])
    wait(spin, ben, now, minutes_ago=10)
    wait(spin, cara, now, minutes_ago=5)

    # when Ana cancels
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(ana_booking.id))

    # then Cara is promoted, paying with her credit
    assert cara.id in confirmed_member_ids(spin)
    assert spendable_credits(cara, now) == 0
    mail_worker()
    assert mail_to(mailoutbox, cara)[0].subject.startswith(PROMOTED_SUBJECT)
    # and Ben stays first on the waitlist, not booked, told nothing
    assert waiting(spin) == [ben]
    assert ben.id not in confirmed_member_ids(spin)
    # and Ben is told why the spot passed him by, and what would make him eligible
    [skipped] = mail_to(mailoutbox, ben)
    assert skipped.subject.startswith("A spot came up, but you couldn't be promoted: Spin")
    assert "to be promoted you need a credit." in skipped.body
    assert confirmed(spin).count() == 10


def test_raising_the_capacity_promotes_as_many_waiting_members_as_new_spots(
    services, now, mailoutbox, mail_worker, django_capture_on_commit_callbacks
):
    # given Spin full at 10 with Ben, Cara and Dan waiting in that order, one credit each
    spin, _ = spin_class(now, starts_in=timedelta(days=1))
    ben, cara, dan = (member_with_credits(1, name=name) for name in ("Ben", "Cara", "Dan"))
    for minutes_ago, member in zip((30, 20, 10), (ben, cara, dan), strict=True):
        wait(spin, member, now, minutes_ago)

    # when staff raise the capacity to 12
    with django_capture_on_commit_callbacks(execute=True):
        services.change_class_capacity.execute(str(spin.id), 12)

    # then the first two waiting are booked, each with their credit spent
    spin.refresh_from_db()
    assert spin.capacity == 12
    assert confirmed(spin).count() == 12
    assert {ben.id, cara.id} <= confirmed_member_ids(spin)
    assert spendable_credits(ben, now) == spendable_credits(cara, now) == 0
    # and Dan is still waiting, now first, with his credit
    assert waiting(spin) == [dan]
    assert spendable_credits(dan, now) == 1
    # and exactly the two promoted members were told
    mail_worker()
    promoted = sorted(m.to[0] for m in mailoutbox if m.subject.startswith(PROMOTED_SUBJECT))
    assert promoted == sorted([ben.email, cara.email])
    assert len(mailoutbox) == 2


def test_staff_cancelling_a_class_refunds_everyone_clears_the_waitlist_and_tells_why(
    services, now, mailoutbox, mail_worker, django_capture_on_commit_callbacks
):
    # given Spin full at 3 (Ana, Ben, Cara) with Dan and Eve waiting
    booked = [member_with_credits(0, name=name) for name in ("Ana", "Ben", "Cara")]
    spin, bookings = spin_class(now, capacity=3, booked=booked)
    dan = member_with_credits(1, name="Dan")
    eve = member_with_credits(1, name="Eve")
    wait(spin, dan, now, minutes_ago=10)
    wait(spin, eve, now, minutes_ago=5)

    # when staff cancel the class because the instructor is ill
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_class.execute(str(spin.id), "Instructor ill")

    # then the class is cancelled with its reason
    spin.refresh_from_db()
    assert spin.cancelled_at is not None
    assert spin.cancellation_reason == "Instructor ill"
    # and every booking is cancelled with the reason, and refunded
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == "cancelled"
        assert booking.cancellation_reason == "Instructor ill"
    assert not confirmed(spin).exists()
    for member in booked:
        assert spendable_credits(member, now) == 1
    # and the waitlist is empty; the waiting members kept their credits
    assert waiting(spin) == []
    assert spendable_credits(dan, now) == spendable_credits(eve, now) == 1
    # and every affected member got one e-mail giving the reason
    mail_worker()
    for member in [*booked, dan, eve]:
        [message] = mail_to(mailoutbox, member)
        assert message.subject.startswith("Class cancelled: Spin")
        assert "Instructor ill" in message.body
    for member in booked:
        assert "refunded" in mail_to(mailoutbox, member)[0].body
    assert len(mailoutbox) == 5
    # and the class can no longer be booked
    with pytest.raises(ClassCancelledException):
        services.book_class.execute(str(dan.id), str(spin.id))


@pytest.fixture
def promotion_cutoff_one_hour(settings):
    """Requested before `services`, so the composition root reads it."""
    settings.GYM_PROMOTION_CUTOFF_MINUTES = 60


def test_nobody_is_promoted_after_the_promotion_cutoff_and_the_spot_stays_bookable(
    promotion_cutoff_one_hour,
    services,
    now,
    mailoutbox,
    mail_worker,
    django_capture_on_commit_callbacks,
):
    # given the cut-off is 1 hour and Spin starts in 30 minutes, full, Ben waiting with a credit
    assert services.policy.promotion_cutoff == timedelta(hours=1)
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    spin, [ana_booking] = spin_class(now, starts_in=timedelta(minutes=30), booked=[ana])
    wait(spin, ben, now, minutes_ago=10)

    # when staff cancel Ana's booking (staff may, inside the cancellation window)
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_cancel_booking.execute(str(ana_booking.id), "Injured")

    # then Ana is refunded, but nobody is promoted: Ben keeps waiting and keeps his credit
    ana_booking.refresh_from_db()
    assert ana_booking.status == "cancelled"
    assert spendable_credits(ana, now) == 1
    assert confirmed(spin).count() == 9
    assert waiting(spin) == [ben]
    assert spendable_credits(ben, now) == 1
    mail_worker()
    assert not [m for m in mailoutbox if m.subject.startswith(PROMOTED_SUBJECT)]

    # and the free spot can still be booked directly
    dan = member_with_credits(1, name="Dan")
    with django_capture_on_commit_callbacks(execute=True):
        services.book_class.execute(str(dan.id), str(spin.id), late_confirmed=True)
    assert dan.id in confirmed_member_ids(spin)
    assert confirmed(spin).count() == 10


@pytest.fixture
def late_cancellation_forfeits(settings):
    """Requested before `services`, so the composition root reads it. Promotions inside the
    cancellation window are allowed (with a grace period), so a late cancellation promotes."""
    settings.GYM_LATE_CANCELLATION = "forfeit"
    settings.GYM_PROMOTION_INSIDE_WINDOW = "grace"


def test_a_late_cancellation_under_forfeit_frees_the_spot_without_a_refund(
    late_cancellation_forfeits,
    services,
    now,
    mailoutbox,
    mail_worker,
    django_capture_on_commit_callbacks,
):
    # given late cancellations forfeit the credit, and Ana is booked on Spin starting in 1 hour
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    spin, [ana_booking] = spin_class(now, starts_in=timedelta(hours=1), booked=[ana])
    wait(spin, ben, now, minutes_ago=10)

    # when Ana cancels inside the 2-hour window
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then the booking is cancelled as late and Ana gets no credit back
    ana_booking.refresh_from_db()
    assert ana_booking.status == "late_cancelled"
    assert not CreditGrant.objects.filter(member=ana).exists()
    # and the freed spot went to Ben, who left the waitlist
    assert ben.id in confirmed_member_ids(spin)
    assert ana.id not in confirmed_member_ids(spin)
    assert confirmed(spin).count() == 10
    assert waiting(spin) == []
    assert spendable_credits(ben, now) == 0
    # and Ana was told there is no refund, Ben that he is in
    mail_worker()
    [ana_mail] = mail_to(mailoutbox, ana)
    assert "not refunded" in ana_mail.body
    assert mail_to(mailoutbox, ben)[0].subject.startswith(PROMOTED_SUBJECT)


def test_without_the_forfeit_policy_a_late_cancellation_is_refused_and_nothing_changes(
    services, now, mailoutbox, mail_worker, django_capture_on_commit_callbacks
):
    # given the default policy (refuse) and Ana booked on Spin starting in 1 hour, Ben waiting
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    spin, [ana_booking] = spin_class(now, starts_in=timedelta(hours=1), booked=[ana])
    wait(spin, ben, now, minutes_ago=10)

    # when Ana tries to cancel
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(BookingNotCancellableException),
    ):
        services.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then nothing changed and nothing was dispatched
    assert callbacks == []
    ana_booking.refresh_from_db()
    assert ana_booking.status == "confirmed"
    assert waiting(spin) == [ben]
    assert not CreditGrant.objects.filter(member=ana).exists()
    assert mail_worker() == "Ran 0 deliveries."
    assert mailoutbox == []
