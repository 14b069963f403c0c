"""Erasing a member over the ORM: her bookings, waitlists, login and notices as the use case
and the stores of personal data leave them, and the event log scrubbed of her name, e-mail
and typed words while its rows (number, types, ids) stay. Payloads are JSON: this runs on
SQLite and on PostgreSQL alike (`DATABASE_URL`)."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from events.actors import Actor, acting_as
from events.dispatcher import restore
from events.models import Delivery, StoredEvent
from events.scrubbing import ERASED, ERASED_ACTOR
from members.erasure import erasure_preview
from members.models import CreditGrant, Member
from notifications.models import Notification
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    MemberFactory,
    MembershipFactory,
    PurchaseFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(django_user_model):
    user = django_user_model.objects.create_user(
        username="zoe.angstrom@example.com", email="zoe.angstrom@example.com"
    )
    member = member_with_credits(3, name="Zoë Ångström", email="zoe.angstrom@example.com")
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member


def events_snapshot():
    return sorted(StoredEvent.objects.values_list("id", "type", "member_id", "class_id"))


def stored_text(queryset=None) -> str:
    rows = (queryset or StoredEvent.objects.all()).values_list("payload", "actor_label")
    return " ".join(f"{payload} {label}" for payload, label in rows)


def everything_she_did(services, ana, ben):
    """A history in the log: bookings, a reason she typed, staff's words naming her, a
    password reset for her address, and Ben's own history."""
    now = timezone.now()
    spin = FitnessClassFactory(name="Spin", starts_at=now + timedelta(days=2))
    yoga = FitnessClassFactory(name="Yoga", starts_at=now + timedelta(days=3))
    with acting_as(Actor.for_user(ana.user)):
        mine = services.book_class.execute(str(ana.pk), str(spin.pk))
        services.cancel_booking.execute(mine.id, "my knee hurts again", member_id=str(ana.pk))
        services.book_class.execute(str(ana.pk), str(yoga.pk))
        services.request_password_reset.execute(
            "Zoe.Angstrom@example.com", site="testserver", secure=True
        )
    services.add_credits.execute(str(ana.pk), 2, reason="Sorry, Zoë Ångström!")
    services.book_class.execute(str(ben.pk), str(spin.pk))
    services.add_credits.execute(str(ben.pk), 1, reason="Bring-a-friend: Zoë Ångström")
    return spin, yoga


def test_the_event_log_keeps_its_rows_but_loses_her_name_email_and_words(services, ana):
    # given
    ben = member_with_credits(2, name="Ben Bright", email="ben@example.com")
    everything_she_did(services, ana, ben)
    before = events_snapshot()
    assert "ngstr" in stored_text() and "zoe.angstrom" in stored_text().lower()

    # when
    services.erase_member.execute(str(ana.pk))

    # then: the same rows (plus the erasure's own), every one still an event
    after = events_snapshot()
    assert set(before) <= set(after)
    assert (
        len(after) - len(before)
        == StoredEvent.objects.filter(
            occurred_at__gte=Member.objects.get(pk=ana.pk).erased_at
        ).count()
    )
    text = stored_text()
    assert "ngstr" not in text
    assert "zoe.angstrom" not in text.lower()
    assert "knee" not in text
    for row in StoredEvent.objects.all():
        restore(row)


def test_what_staff_typed_about_others_keeps_all_but_her_name(services, ana):
    ben = member_with_credits(2, name="Ben Bright", email="ben@example.com")
    everything_she_did(services, ana, ben)

    services.erase_member.execute(str(ana.pk))

    bens = StoredEvent.objects.filter(member_id=ben.pk, type="CreditsAdded")
    assert [row.payload["reason"] for row in bens] == [f"Bring-a-friend: {ERASED}"]
    assert StoredEvent.objects.filter(member_id=ben.pk, type="BookingConfirmed").count() == 1


def test_what_she_did_is_no_longer_labelled_with_her_login(services, ana):
    ben = member_with_credits(2, name="Ben Bright", email="ben@example.com")
    everything_she_did(services, ana, ben)
    user_id = ana.user_id
    hers = set(StoredEvent.objects.filter(actor_user_id=user_id).values_list("pk", flat=True))

    services.erase_member.execute(str(ana.pk))

    assert len(hers) == 6  # two bookings, a cancellation and its refund and spot, a reset
    assert not StoredEvent.objects.filter(actor_user_id=user_id).exists()
    assert not StoredEvent.objects.filter(actor_label__icontains="zoe").exists()
    relabelled = StoredEvent.objects.filter(actor_label=ERASED_ACTOR)
    assert set(relabelled.values_list("pk", flat=True)) == hers


def test_the_erasure_is_in_the_log_with_who_did_it_and_no_personal_data(
    services, ana, django_user_model
):
    staff = django_user_model.objects.create_user(username="manager", is_staff=True)

    with acting_as(Actor.for_user(staff)):
        services.erase_member.execute(str(ana.pk))

    erased = StoredEvent.objects.get(type="MemberErased")
    assert erased.payload == {"member_id": str(ana.pk)}
    assert (erased.actor_kind, erased.actor_label) == ("staff", "manager")
    assert erased.occurred_at == Member.objects.get(pk=ana.pk).erased_at


def test_her_login_notices_and_name_go_and_her_ledger_and_past_stay(services, ana):
    # given: a past class she attended, an upcoming one, a notice, and the admin's history
    now = timezone.now()
    past = BookingFactory(
        member=ana,
        fitness_class=FitnessClassFactory(starts_at=now - timedelta(days=3)),
        status="attended",
        credit_grant=CreditGrant.objects.get(member=ana),
    )
    Notification.objects.create(member=ana, kind="booking_confirmed", title="You're booked")
    LogEntry.objects.log_actions(
        user_id=get_user_model().objects.create_user(username="desk", is_staff=True).pk,
        queryset=[ana],
        action_flag=CHANGE,
        single_object=True,
    )
    user_id = ana.user_id
    grants = list(CreditGrant.objects.filter(member=ana).values_list("pk", "amount"))
    token = ana.calendar_token

    # when
    services.erase_member.execute(str(ana.pk))

    # then
    ana.refresh_from_db()
    assert ana.name == "Erased member"
    assert "zoe" not in ana.email
    assert ana.user is None
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert ana.calendar_token != token
    assert not Notification.objects.filter(member=ana).exists()
    assert Booking.objects.get(pk=past.pk).status == "attended"
    assert list(CreditGrant.objects.filter(member=ana).values_list("pk", "amount")) == grants
    member_type = ContentType.objects.get_for_model(Member)
    assert set(
        LogEntry.objects.filter(content_type=member_type, object_id=str(ana.pk)).values_list(
            "object_repr", flat=True
        )
    ) == {"Erased member"}


def test_her_money_records_stay_whole_for_the_accounts(services, ana):
    purchase = PurchaseFactory(credit_grant__member=ana, reference="pi_123")
    membership = MembershipFactory(member=ana)
    before = {
        "purchase": (purchase.price, purchase.tax, purchase.reference, purchase.recorded_by),
        "membership": (membership.price, membership.payment_reference),
    }

    services.erase_member.execute(str(ana.pk))

    purchase.refresh_from_db()
    membership.refresh_from_db()
    assert purchase.member_id == ana.pk and membership.member_id == ana.pk
    assert before == {
        "purchase": (purchase.price, purchase.tax, purchase.reference, purchase.recorded_by),
        "membership": (membership.price, membership.payment_reference),
    }
    assert "Ångström" not in str(purchase) and "Ångström" not in str(membership)


def test_her_spot_goes_to_the_waitlist_and_nobody_mails_her(
    services, ana, django_capture_on_commit_callbacks, mail_worker, mailoutbox
):
    # given: a full Spin with Ana booked and Ben waiting
    ben = member_with_credits(1, name="Ben Bright", email="ben@example.com")
    spin = FitnessClassFactory(capacity=1, starts_at=timezone.now() + timedelta(days=1))
    booking = services.book_class.execute(str(ana.pk), str(spin.pk))
    WaitlistEntryFactory(member=ben, fitness_class=spin)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_member.execute(str(ana.pk))
    mailoutbox.clear()
    mail_worker()

    # then
    assert Booking.objects.get(pk=booking.id).status == "cancelled"
    assert Booking.objects.get(fitness_class=spin, status="confirmed").member_id == ben.pk
    assert CreditGrant.objects.filter(member=ana, reason="Refund: Spin").count() == 1
    assert not WaitlistEntry.objects.exists()
    assert [message.to for message in mailoutbox] == [["ben@example.com"]]
    assert not Notification.objects.filter(member=ana).exists()


def test_a_delivery_error_quoting_her_address_is_scrubbed(services, ana):
    event = StoredEvent.objects.create(
        id="6f1f4c9e-6d67-4a5a-9d36-2b9f7a3c1e01",
        type="BookingConfirmed",
        schema_version=1,
        payload={"booking_id": "b", "member_id": str(ana.pk), "class_id": "c"},
        occurred_at=timezone.now(),
        actor_kind="system",
        member_id=ana.pk,
    )
    Delivery.objects.create(
        event=event,
        handler="NotificationHandler.email",
        status="failed",
        next_attempt_at=timezone.now(),
        last_error="SMTPRecipientsRefused: {'zoe.angstrom@example.com': (550, 'no')}",
    )

    services.erase_member.execute(str(ana.pk))

    assert Delivery.objects.get(event=event).last_error == (
        f"SMTPRecipientsRefused: {{'{ERASED}': (550, 'no')}}"
    )


def test_erasing_twice_is_harmless(services, ana):
    services.erase_member.execute(str(ana.pk))
    rows = events_snapshot()

    again = services.erase_member.execute(str(ana.pk))

    assert again.already_erased
    assert events_snapshot() == rows


def test_the_preview_counts_what_an_erasure_would_do(services, ana):
    now = timezone.now()
    BookingFactory(member=ana, fitness_class=FitnessClassFactory(starts_at=now + timedelta(days=1)))
    BookingFactory(member=ana, fitness_class=FitnessClassFactory(starts_at=now - timedelta(days=1)))
    WaitlistEntryFactory(member=ana)

    preview = erasure_preview(ana, now)

    assert (preview.upcoming_bookings, preview.waitlist_places, preview.login) == (
        1,
        1,
        "zoe.angstrom@example.com",
    )
    assert not preview.erased


def test_another_member_is_untouched(services, ana):
    ben = MemberFactory(name="Ben Bright", email="ben@example.com")
    Notification.objects.create(member=ben, kind="booking_confirmed", title="You're booked")

    services.erase_member.execute(str(ana.pk))

    ben.refresh_from_db()
    assert (ben.name, ben.email, ben.erased_at) == ("Ben Bright", "ben@example.com", None)
    assert Notification.objects.filter(member=ben).count() == 1
