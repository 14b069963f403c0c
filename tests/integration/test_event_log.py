"""The event log: every dispatched event is stored as its type, schema version and a JSON
payload, and comes back as the very same frozen dataclass; a stored event that no longer fits
is a clear error, never a silent skip; each row says who caused the event and which member
and class it concerns."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from domain.events import BookingConfirmed, CreditsAdded, DomainEvent
from domain.values import WaitlistExitReason, new_id
from events import registry
from events.actors import Actor, acting_as
from events.dispatcher import DurableEventDispatcher, restore
from events.models import Delivery, StoredEvent
from events.registry import EVENT_TYPES, SCHEMA_VERSION, EventRestoreError
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Aware moments in several zones (and UTC), with microseconds, as entities record them.
CLASS_STARTS = datetime(2026, 12, 1, 18, 0, tzinfo=LONDON)
OCCURRED = datetime(2026, 11, 30, 9, 15, 42, 123456, tzinfo=UTC)

ANA, SPIN, BOOKING, ENTRY, GRANT, OFFER = (new_id() for _ in range(6))
MEMBERSHIP = {"membership_id": new_id(), "member_id": ANA}
BOOKED = {"booking_id": BOOKING, "member_id": ANA, "class_id": SPIN}
NEW_YORK_CREDITS = {
    "member_id": ANA,
    "grant_id": GRANT,
    "amount": 10,
    "expires_at": datetime(2027, 1, 15, 23, 59, 59, 999999, tzinfo=NEW_YORK),
    "reason": "10-class pack",
}

# At least one realistic example of every event type (by its registered name, so that one
# renamed type fails its own test rather than this module's import), with the optional
# fields both set and left out.
EXAMPLES: list[tuple[str, dict]] = [
    ("BookingConfirmed", BOOKED),
    ("BookingCancelled", BOOKED),
    (
        "BookingCancelled",
        {
            **BOOKED,
            "reason": "Instructor ill — sorry!",
            "late": True,
            "refunded": False,
            "by_staff": True,
            "with_class": True,
            "occurred_at": datetime(2026, 11, 30, 17, 1, 2, 5, tzinfo=LONDON),
        },
    ),
    ("LateCancellationRefunded", {**BOOKED, "refund_grant_id": str(uuid.uuid4())}),
    ("ClassSpotBecameAvailable", {"class_id": SPIN}),
    ("ClassSpotBecameAvailable", {"class_id": SPIN, "previous_booking_id": BOOKING}),
    (
        "MemberJoinedWaitlist",
        {"waitlist_entry_id": ENTRY, "member_id": ANA, "class_id": SPIN, "position": 3},
    ),
    (
        "MemberLeftWaitlist",
        {
            "waitlist_entry_id": ENTRY,
            "member_id": ANA,
            "class_id": SPIN,
            "reason": WaitlistExitReason.PROMOTED_ELSEWHERE,
        },
    ),
    (
        "MemberPromotedFromWaitlist",
        {**BOOKED, "waitlist_entry_id": ENTRY},
    ),
    (
        "MemberPromotedFromWaitlist",
        {
            **BOOKED,
            "waitlist_entry_id": ENTRY,
            "refundable_until": CLASS_STARTS - timedelta(minutes=30),
            "grace": True,
        },
    ),
    (
        "MemberSkippedOnWaitlist",
        {"member_id": ANA, "class_id": SPIN, "waitlist_entry_id": ENTRY, "reason": "no_credit"},
    ),
    (
        "WaitlistOfferMade",
        {
            "offer_id": OFFER,
            "member_id": ANA,
            "class_id": SPIN,
            "waitlist_entry_id": ENTRY,
            "expires_at": datetime(2031, 3, 30, 9, 15, tzinfo=UTC),
            "mode": "offer",
        },
    ),
    ("WaitlistOfferAccepted", {"offer_id": OFFER, "member_id": ANA, "class_id": SPIN}),
    ("WaitlistOfferDeclined", {"offer_id": OFFER, "member_id": ANA, "class_id": SPIN}),
    (
        "WaitlistOfferExpired",
        {
            "offer_id": OFFER,
            "member_id": ANA,
            "class_id": SPIN,
            "expires_at": datetime(2031, 3, 30, 9, 15, tzinfo=UTC),
        },
    ),
    ("MemberRegistered", {"member_id": ANA}),
    ("CreditsAdded", NEW_YORK_CREDITS),
    (
        "CreditsAdded",
        {**NEW_YORK_CREDITS, "locations": ("Old Town", "Riverside"), "class_names": ("Yoga",)},
    ),
    (
        "CreditsAdded",
        {
            "member_id": ANA,
            "grant_id": GRANT,
            "amount": 1,
            "expires_at": CLASS_STARTS + timedelta(days=30),
        },
    ),
    ("CreditsExpired", {"member_id": ANA, "grant_id": GRANT, "amount": 2}),
    (
        "ClassPackPurchased",
        {
            "purchase_id": "purchase-1",
            "member_id": ANA,
            "product_id": "pack-1",
            "product_name": "10 classes",
            "credits": 10,
            "grant_id": GRANT,
            "expires_at": CLASS_STARTS + timedelta(days=90),
            "price": "90.00",
            "tax": "15.00",
            "tax_rate": "20",
            "currency": "EUR",
            "payment_method": "cash",
            "recorded_by": "Dee Desk",
        },
    ),
    (
        "MembershipStarted",
        {
            **MEMBERSHIP,
            "plan_id": "plan-1",
            "plan_name": "Unlimited",
            "period_end": CLASS_STARTS + timedelta(days=31),
            "price": "79.00",
            "tax": "13.17",
            "tax_rate": "20",
            "currency": "EUR",
            "payment_method": "card_terminal",
            "payment_reference": "DESK-1A2B3C4D5E",
            "recorded_by": "Dee Desk",
        },
    ),
    (
        "MembershipRenewed",
        {
            **MEMBERSHIP,
            "period_end": CLASS_STARTS + timedelta(days=62),
            "price": "79.00",
            "tax": "13.17",
            "currency": "EUR",
            "payment_method": "cash",
            "payment_reference": "in_1",
            "recorded_by": "",
        },
    ),
    (
        "MembershipRenewalFailed",
        {**MEMBERSHIP, "period_end": CLASS_STARTS, "reason": "card declined"},
    ),
    (
        "MembershipFrozen",
        {
            **MEMBERSHIP,
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-19",
            "period_end": CLASS_STARTS + timedelta(days=41),
        },
    ),
    ("MembershipUnfrozen", {**MEMBERSHIP, "days_given_back": 4, "period_end": CLASS_STARTS}),
    ("MembershipCancellationScheduled", {**MEMBERSHIP, "period_end": CLASS_STARTS}),
    ("MembershipCancellationUndone", MEMBERSHIP),
    ("MembershipEnded", {**MEMBERSHIP, "cancelled": True}),
    ("CreditsWithdrawn", {"member_id": ANA, "grant_id": GRANT, "amount": 3, "reason": "Refund"}),
    (
        "PurchaseRefunded",
        {
            "refund_id": "refund-1",
            "purchase_id": "purchase-1",
            "member_id": ANA,
            "product_name": "10 classes",
            "amount": "45.00",
            "tax": "7.50",
            "currency": "EUR",
            "credits_withdrawn": 5,
            "payment_method": "cash",
            "reference": "DESK-R1",
            "reason": "Moved away",
            "recorded_by": "Max Manager",
        },
    ),
    (
        "FeeImposed",
        {
            "fee_id": "fee-1",
            "member_id": ANA,
            "booking_id": "booking-1",
            "class_id": SPIN,
            "kind": "no_show",
            "amount": "5.00",
            "currency": "EUR",
        },
    ),
    (
        "FeeCharged",
        {
            "fee_id": "fee-1",
            "member_id": ANA,
            "booking_id": "booking-1",
            "class_id": SPIN,
            "amount": "5.00",
            "currency": "EUR",
            "reference": "ch_1",
        },
    ),
    ("FeeChargeFailed", {"fee_id": "fee-1", "member_id": ANA, "error": "Card declined"}),
    (
        "FeePaidAtDesk",
        {
            "fee_id": "fee-1",
            "member_id": ANA,
            "amount": "5.00",
            "currency": "EUR",
            "recorded_by": "Dee",
        },
    ),
    (
        "FeeWaived",
        {
            "fee_id": "fee-1",
            "member_id": ANA,
            "amount": "5.00",
            "currency": "EUR",
            "waived_by": "Max Manager",
            "reason": "First time",
            "refund_due": True,
        },
    ),
    (
        "FeeRefunded",
        {
            "fee_id": "fee-1",
            "member_id": ANA,
            "amount": "5.00",
            "currency": "EUR",
            "reference": "re_1",
        },
    ),
    (
        "OnlineCheckoutStarted",
        {
            "member_id": ANA,
            "product_id": "pack-1",
            "session_id": "cs_test_1",
            "price": "90.00",
            "currency": "EUR",
        },
    ),
    (
        "OnlinePaymentRefunded",
        {
            "member_id": ANA,
            "product_id": "pack-1",
            "session_id": "cs_test_1",
            "payment_reference": "pi_1",
            "refund_reference": "re_1",
            "amount": "90.00",
            "currency": "EUR",
            "reason": "This member has already bought this intro offer.",
        },
    ),
    (
        "MembershipCheckoutStarted",
        {
            "member_id": ANA,
            "plan_id": "plan-1",
            "session_id": "cs_test_2",
            "price": "79.00",
            "currency": "EUR",
            "billing_period": "monthly",
        },
    ),
    (
        "OnlineMembershipRefunded",
        {
            "member_id": ANA,
            "plan_id": "plan-1",
            "session_id": "cs_test_2",
            "subscription_id": "sub_1",
            "payment_reference": "pi_2",
            "refund_reference": "re_2",
            "amount": "79.00",
            "currency": "EUR",
            "reason": "This member already has a membership; it has to end before another starts.",
        },
    ),
    (
        "LateMembershipPaymentRefunded",
        {
            **MEMBERSHIP,
            "subscription_id": "sub_1",
            "invoice_id": "in_3",
            "refund_reference": "re_3",
            "amount": "79.00",
            "currency": "EUR",
            "reason": "The membership had ended on 01 December 2026.",
        },
    ),
    ("ClassCapacityChanged", {"class_id": SPIN, "old_capacity": 12, "new_capacity": 20}),
    ("ClassCancelled", {"class_id": SPIN, "reason": "Studio flooded"}),
    ("ClassScheduled", {"class_id": SPIN, "series_id": None, "starts_at": CLASS_STARTS}),
    ("ClassScheduled", {"class_id": SPIN, "series_id": new_id(), "starts_at": CLASS_STARTS}),
    ("AttendanceRecorded", {**BOOKED, "attended": False}),
    ("MemberRemindedOfClass", BOOKED),
    (
        "MemberBookingsPaused",
        {"member_id": ANA, "until": CLASS_STARTS + timedelta(days=14), "no_shows": 3},
    ),
    ("MemberBookingsResumed", {"member_id": ANA}),
    ("MemberBookingsResumed", {"member_id": ANA, "reason": "a no-show was corrected"}),
    (
        "ClassRescheduled",
        {
            "class_id": SPIN,
            "old_starts_at": CLASS_STARTS,
            "old_ends_at": CLASS_STARTS + timedelta(hours=1),
            "starts_at": CLASS_STARTS + timedelta(days=1),
            "ends_at": CLASS_STARTS + timedelta(days=1, minutes=45),
        },
    ),
    (
        "ClassDetailsChanged",
        {
            "class_id": SPIN,
            "changed": "instructor, location",
            "name": "Spin",
            "description": "",
            "instructor": "Marco",
            "location": "Studio 3",
        },
    ),
    ("ClassDeleted", {"class_id": SPIN, "name": "Spin", "starts_at": CLASS_STARTS}),
    (
        "ClassDeleted",
        {"class_id": SPIN, "name": "Spin", "starts_at": CLASS_STARTS, "series_id": new_id()},
    ),
    ("MemberErased", {"member_id": ANA}),
    (
        "PasswordResetRequested",
        {"email": "ana@example.com", "site": "gym.example.com", "secure": True},
    ),
    (
        "PasswordChanged",
        {"user_id": "7", "site": "gym.example.com", "secure": True, "by_reset": False},
    ),
    (
        "SignUpRequested",
        {
            "pending_id": "12",
            "email": "dana@example.com",
            "site": "gym.example.com",
            "secure": True,
        },
    ),
    ("MemberErased", {"member_id": ANA}),
    (
        "SignedIn",
        {"user_id": "7", "username": "ana@example.com", "client_ip": "10.0.0.1", "entry": "site"},
    ),
    ("SignInFailed", {"username": "ana@example.com", "client_ip": "::1", "entry": "admin"}),
    ("SignInLockedOut", {"username": "ana@example.com", "client_ip": "::1", "entry": "site"}),
    ("SignInRefused", {"username": "ana@example.com", "client_ip": "::1", "entry": "site"}),
    (
        "LoginRoleChanged",
        {"user_id": "7", "username": "desk", "staff": True, "groups_added": "Front desk"},
    ),
    (
        "LoginRoleChanged",
        {
            "user_id": "7",
            "username": "desk",
            "active": False,
            "permissions_removed": "members.view_member, bookings.view_booking",
            "new_login": False,
        },
    ),
    (
        "GroupPermissionsChanged",
        {"group_id": "2", "group": "Front desk", "permissions_added": "members.view_member"},
    ),
    ("TwoFactorTurnedOn", {"user_id": "7", "username": "desk"}),
    ("TwoFactorRemoved", {"user_id": "7", "username": "desk", "by_staff": True}),
    ("RecoveryCodesRenewed", {"user_id": "7", "username": "desk"}),
    ("RecoveryCodeUsed", {"user_id": "7", "username": "desk", "remaining": 9}),
    ("SecondFactorFailed", {"user_id": "7", "username": "desk", "client_ip": "10.0.0.1"}),
]


def build(name: str, fields: dict) -> DomainEvent:
    """The example event, occurred at OCCURRED unless it says otherwise."""
    return EVENT_TYPES[name](**{"occurred_at": OCCURRED, **fields})


def example_ids() -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for name, _ in EXAMPLES:
        seen[name] = seen.get(name, 0) + 1
        ids.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return ids


def stored(event: DomainEvent) -> StoredEvent:
    """`event` dispatched (no handlers), then read back from the database."""
    DurableEventDispatcher().dispatch([event])
    return StoredEvent.objects.get(pk=event.event_id)


def payload_of(event: DomainEvent) -> dict:
    return registry.to_payload(event)


# --- Round trip ------------------------------------------------------------------------------


def test_every_event_type_has_an_example_here():
    # given the registry's event types and the examples above
    # then none is missing: a new event type must be added to the round trip below
    assert {name for name, _ in EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize(("name", "fields"), EXAMPLES, ids=example_ids())
def test_a_stored_event_is_restored_as_the_same_event(name, fields):
    # given an event dispatched and read back from the log
    event = build(name, fields)
    row = stored(event)

    # when it is restored
    restored = restore(row)

    # then it is the same frozen dataclass, equal field by field
    assert type(restored) is type(event)
    assert restored == event
    assert row.type == type(event).__name__
    assert row.schema_version == SCHEMA_VERSION
    assert row.occurred_at == event.occurred_at


@pytest.mark.parametrize(("name", "fields"), EXAMPLES, ids=example_ids())
def test_the_payload_is_plain_json_of_the_events_own_fields(name, fields):
    # when an event is stored
    event = build(name, fields)
    row = stored(event)

    # then its payload holds its own fields (id and time have their columns), datetimes as
    # ISO 8601 strings keeping their offset
    assert set(row.payload) == set(payload_of(event))
    assert "event_id" not in row.payload
    assert "occurred_at" not in row.payload
    for value in row.payload.values():
        if isinstance(value, list):  # a tuple's
            assert all(isinstance(item, str) for item in value)
        else:
            assert value is None or isinstance(value, str | int | bool)
    for key, value in fields.items():
        if isinstance(value, datetime) and key != "occurred_at":
            assert datetime.fromisoformat(row.payload[key]) == value


def test_a_restored_datetime_keeps_its_instant_and_its_zone():
    # given credits expiring at an aware New York time
    event = build("CreditsAdded", NEW_YORK_CREDITS)
    assert isinstance(event, CreditsAdded)
    assert event.expires_at.tzinfo is NEW_YORK

    # when stored and restored
    restored = restore(stored(event))

    # then the expiry is the same instant, still aware
    assert restored.expires_at == event.expires_at
    assert restored.expires_at.utcoffset() == event.expires_at.utcoffset()


# --- Events that no longer fit ----------------------------------------------------------------


def restore_payload(name: str, payload: dict, version: int = SCHEMA_VERSION) -> DomainEvent:
    return registry.restore(name, version, payload, event_id=new_id(), occurred_at=OCCURRED)


def confirmed_payload() -> dict:
    return dict(BOOKED)


def test_credits_added_before_grants_had_a_scope_restore_as_an_open_grant():
    # given a CreditsAdded payload stored before the event carried a scope
    payload = {**NEW_YORK_CREDITS, "expires_at": NEW_YORK_CREDITS["expires_at"].isoformat()}

    # when it is restored
    restored = restore_payload("CreditsAdded", payload)

    # then it is a grant limited to nothing
    assert (restored.locations, restored.class_names) == ((), ())


def test_a_scope_that_is_not_a_list_cannot_be_restored():
    payload = {
        **NEW_YORK_CREDITS,
        "expires_at": NEW_YORK_CREDITS["expires_at"].isoformat(),
        "class_names": "Yoga",
    }

    with pytest.raises(EventRestoreError, match="CreditsAdded payload does not fit"):
        restore_payload("CreditsAdded", payload)


def test_an_unknown_event_type_cannot_be_restored():
    with pytest.raises(EventRestoreError, match="Unknown event type 'MemberTeleported'"):
        restore_payload("MemberTeleported", confirmed_payload())


def test_a_payload_missing_a_field_cannot_be_restored_and_the_error_names_it():
    payload = confirmed_payload()
    del payload["class_id"]

    with pytest.raises(EventRestoreError, match="BookingConfirmed payload does not fit") as error:
        restore_payload("BookingConfirmed", payload)

    assert "class_id" in str(error.value)


def test_a_payload_with_an_extra_field_cannot_be_restored_and_the_error_names_it():
    payload = {**confirmed_payload(), "room": "Studio 2", "coach": "Kim"}

    with pytest.raises(EventRestoreError, match=r"BookingConfirmed has no field\(s\) coach, room"):
        restore_payload("BookingConfirmed", payload)


def test_an_unknown_schema_version_cannot_be_restored():
    with pytest.raises(EventRestoreError, match="schema version 99"):
        restore_payload("BookingConfirmed", confirmed_payload(), version=99)


def test_a_datetime_that_is_not_one_cannot_be_restored():
    payload = {"member_id": ANA, "grant_id": GRANT, "amount": 1, "expires_at": "next Tuesday"}

    with pytest.raises(EventRestoreError, match="CreditsAdded payload does not fit"):
        restore_payload("CreditsAdded", payload)


def test_a_delivery_of_an_event_that_no_longer_fits_fails_loudly_and_runs_nothing():
    # given a delivery whose stored event has lost a field since it was recorded
    calls = []
    dispatcher = DurableEventDispatcher(inline=False)
    dispatcher.register(BookingConfirmed, calls.append, name="recording")
    event = BookingConfirmed(**BOOKED)
    dispatcher.dispatch([event])
    row = StoredEvent.objects.get(pk=event.event_id)
    row.payload = {key: value for key, value in row.payload.items() if key != "class_id"}
    row.save(update_fields=["payload"])

    # when a worker takes it
    assert dispatcher.deliver_next_due() is True

    # then the handler never ran and the delivery failed with the reason, to be seen in admin
    assert calls == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "EventRestoreError" in delivery.last_error
    assert "class_id" in delivery.last_error


# --- Who caused it ----------------------------------------------------------------------------


def test_an_event_recorded_outside_a_request_is_the_systems(services):
    # given a member with credit and a class
    member = member_with_credits(1)
    spin = FitnessClassFactory()

    # when the booking use case runs outside any request (a command, a shell)
    services.book_class.execute(str(member.id), str(spin.id))

    # then the event is recorded as caused by the system, with no user
    row = StoredEvent.objects.get(type="BookingConfirmed")
    assert (row.actor_kind, row.actor_label, row.actor_user) == ("system", "system", None)


def test_an_event_recorded_on_behalf_of_a_staff_user_names_that_user(services):
    # given a staff user and a member with credit
    staff = get_user_model().objects.create_user(username="desk", is_staff=True)
    member = member_with_credits(0)

    # when credits are added while acting as the staff user
    with acting_as(Actor.for_user(staff)):
        services.add_credits.execute(str(member.id), 5, reason="Gift")

    # then the event names the staff user
    row = StoredEvent.objects.get(type="CreditsAdded")
    assert (row.actor_kind, row.actor_label, row.actor_user) == ("staff", "desk", staff)


def test_events_a_handler_records_are_the_systems_and_name_the_handler(
    services, django_capture_on_commit_callbacks
):
    # given Ana booked on a full class and Ben waiting with a credit
    ana, ben = member_with_credits(0), member_with_credits(1)
    spin = FitnessClassFactory(capacity=1)
    booking = BookingFactory(member=ana, fitness_class=spin)
    WaitlistEntryFactory(member=ben, fitness_class=spin)

    # when Ana cancels as herself and the after-commit deliveries run
    with (
        acting_as(Actor("member", "ana@example.com")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.cancel_booking.execute(str(booking.id))

    # then her cancellation is hers, and Ben's promotion is the promotion handler's
    cancelled = StoredEvent.objects.get(type="BookingCancelled")
    assert (cancelled.actor_kind, cancelled.actor_label) == ("member", "ana@example.com")
    promoted = StoredEvent.objects.get(type="MemberPromotedFromWaitlist")
    assert (promoted.actor_kind, promoted.actor_label) == (
        "system",
        "WaitlistPromotionHandler.handle",
    )
    assert promoted.actor_user is None


# --- Filtering by member and class ------------------------------------------------------------


def test_the_member_and_class_an_event_concerns_are_copied_into_their_columns(
    services, django_capture_on_commit_callbacks
):
    # given Ana booked on Spin, Ben waiting, and another class with nothing happening
    ana, ben = member_with_credits(0), member_with_credits(1)
    spin, yoga = FitnessClassFactory(capacity=1), FitnessClassFactory(name="Yoga")
    booking = BookingFactory(member=ana, fitness_class=spin)
    WaitlistEntryFactory(member=ben, fitness_class=spin)

    # when Ana cancels and Ben is promoted
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(booking.id))

    # then each member's and the class's events can be found by their ids
    def types(**lookup):
        return sorted(StoredEvent.objects.filter(**lookup).values_list("type", flat=True))

    assert types(member_id=ana.id) == ["BookingCancelled", "CreditsAdded"]
    assert types(member_id=ben.id) == ["MemberPromotedFromWaitlist"]
    assert types(class_id=spin.id) == [
        "BookingCancelled",
        "ClassSpotBecameAvailable",
        "MemberPromotedFromWaitlist",
    ]
    assert types(class_id=yoga.id) == []
    # and an event about a member only has no class
    refund = StoredEvent.objects.get(type="CreditsAdded")
    assert refund.class_id is None
    assert str(refund.member_id) == refund.payload["member_id"]
