"""The ORM repositories: what is saved loads back unchanged, the constraints become domain
refusals, and every method runs a fixed number of queries however many rows there are.

Rows are set up with the ORM directly, so each test shows exactly what is in the database.
"""

import copy
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from bookings.models import Booking as BookingRow
from bookings.models import WaitlistEntry as WaitlistEntryRow
from bookings.repositories import DjangoBookingRepository, DjangoWaitlistRepository
from classes.models import FitnessClass as FitnessClassRow
from classes.repositories import DjangoClassRepository
from domain.entities import Booking, BookingStatus, FitnessClass, Member, WaitlistEntry
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    BookingNotFoundException,
    ClassNotFoundException,
    MemberNotFoundException,
    NoCreditsException,
)
from domain.values import new_id
from members.models import CreditGrant as CreditGrantRow
from members.models import Member as MemberRow
from members.repositories import DjangoMemberRepository
from tests.factories import LocationFactory, RoomFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
TEN = NOW.replace(hour=10)  # the class under test runs 10:00-11:00
TOMORROW = NOW + timedelta(days=1)
HOUR = timedelta(hours=1)
MALFORMED_IDS = ["not-a-uuid", "", "123"]


# --- Rows -------------------------------------------------------------------------------------


def member_row(name: str = "Ann") -> MemberRow:
    return MemberRow.objects.create(name=name, email=f"{name.lower()}-{uuid.uuid4().hex}@ex.com")


def grant_row(
    member: MemberRow,
    remaining: int = 1,
    *,
    amount: int | None = None,
    expires_at: datetime = NOW + timedelta(days=30),
) -> CreditGrantRow:
    return CreditGrantRow.objects.create(
        member=member,
        amount=amount or max(remaining, 1),
        remaining=remaining,
        granted_at=NOW - timedelta(days=1),
        expires_at=expires_at,
        reason="Purchase",
    )


def class_row(
    starts_at: datetime = TEN, ends_at: datetime | None = None, *, cancelled: bool = False
) -> FitnessClassRow:
    return FitnessClassRow.objects.create(
        name="Spin",
        location=LocationFactory(name="Studio 1"),
        capacity=10,
        starts_at=starts_at,
        ends_at=ends_at or starts_at + HOUR,
        cancelled_at=NOW if cancelled else None,
        cancellation_reason="Instructor ill" if cancelled else "",
    )


def booking_row(
    member: MemberRow,
    fitness_class: FitnessClassRow,
    status: BookingStatus = BookingStatus.CONFIRMED,
) -> BookingRow:
    return BookingRow.objects.create(
        member=member,
        fitness_class=fitness_class,
        status=status.value,
        created_at=NOW,
        cancelled_at=None if status is BookingStatus.CONFIRMED else NOW,
    )


def entry_row(
    member: MemberRow,
    fitness_class: FitnessClassRow,
    created_at: datetime = NOW,
    entry_id: uuid.UUID | None = None,
) -> WaitlistEntryRow:
    return WaitlistEntryRow.objects.create(
        id=entry_id or uuid.uuid4(),
        member=member,
        fitness_class=fitness_class,
        created_at=created_at,
    )


def class_fields(c: FitnessClass) -> tuple:
    return (
        c.id,
        c.name,
        c.capacity,
        c.starts_at,
        c.duration,
        c.description,
        c.instructor,
        c.location,
        c.booked_member_ids,
        c.is_cancelled,
        c.cancellation_reason,
    )


def fitness_class_entity(row: FitnessClassRow) -> FitnessClass:
    return DjangoClassRepository().get_by_id(str(row.pk))


# --- Members ----------------------------------------------------------------------------------


class TestMemberRepository:
    repository = DjangoMemberRepository()

    def test_a_saved_member_loads_back_with_the_same_fields_and_grants(self):
        member = Member(new_id(), "Ann Smith", "ann@example.com")
        grant = member.add_credits(5, expiry_days=10, now=NOW, reason="Ten-class pass")

        self.repository.save(member)
        loaded = self.repository.get_by_id(member.id)

        assert (loaded.id, loaded.name, loaded.email) == (member.id, "Ann Smith", member.email)
        assert loaded.grants == (grant,)

    def test_saving_an_existing_member_updates_the_name_and_email(self):
        row = member_row()

        self.repository.save(Member(str(row.pk), "Ann Jones", "ann.jones@example.com"))

        row.refresh_from_db()
        assert (row.name, row.email) == ("Ann Jones", "ann.jones@example.com")

    def test_credits_spent_and_granted_survive_saving(self):
        row = member_row()
        bought = grant_row(row, remaining=3)
        member = self.repository.get_by_id(str(row.pk), for_update=True)

        member.deduct_credit(now=NOW)
        refund = member.add_credits(1, now=NOW, reason="Refund: Spin")
        self.repository.save(member)

        loaded = self.repository.get_by_id(str(row.pk))
        assert {(g.grant_id, g.remaining) for g in loaded.grants} == {
            (str(bought.pk), 2),
            (refund.grant_id, 1),
        }
        assert loaded.credits_at(NOW) == 3

    def test_a_spent_grant_is_kept_but_no_longer_loaded(self):
        row = member_row()
        spent = grant_row(row, remaining=1)
        member = self.repository.get_by_id(str(row.pk), for_update=True)

        member.deduct_credit(now=NOW)
        self.repository.save(member)

        assert self.repository.get_by_id(str(row.pk)).grants == ()
        spent.refresh_from_db()
        assert (spent.amount, spent.remaining) == (1, 0)

    def test_expired_grants_with_credit_left_are_loaded_but_cannot_be_spent(self):
        row = member_row()
        expired = grant_row(row, remaining=2, expires_at=NOW - timedelta(days=1))
        valid = grant_row(row, remaining=1)

        member = self.repository.get_by_id(str(row.pk))

        assert {g.grant_id for g in member.grants} == {str(expired.pk), str(valid.pk)}
        assert member.credits_at(NOW) == 1
        assert member.deduct_credit(now=NOW).grant_id == str(valid.pk)
        with pytest.raises(NoCreditsException):
            member.deduct_credit(now=NOW)

    @pytest.mark.parametrize("member_id", [str(uuid.uuid4()), *MALFORMED_IDS])
    @pytest.mark.parametrize("for_update", [False, True])
    def test_an_unknown_or_malformed_id_is_not_found(self, member_id, for_update):
        with pytest.raises(MemberNotFoundException):
            self.repository.get_by_id(member_id, for_update=for_update)

    @pytest.mark.parametrize("grants", [1, 5])
    @pytest.mark.parametrize("for_update", [False, True])
    def test_loading_takes_three_queries_however_many_grants(
        self, grants, for_update, django_assert_num_queries
    ):
        row = member_row()
        for _ in range(grants):
            grant_row(row)

        # the member, her grants, her live membership (what booking asks besides her credits)
        with django_assert_num_queries(3):
            member = self.repository.get_by_id(str(row.pk), for_update=for_update)

        assert len(member.grants) == grants

    @pytest.mark.parametrize("grants", [1, 5])
    def test_saving_writes_only_the_grants_however_many_changed(
        self, grants, django_assert_num_queries
    ):
        row = member_row()
        for _ in range(grants):
            grant_row(row, remaining=1)
        member = self.repository.get_by_id(str(row.pk), for_update=True)
        for _ in range(grants):
            member.deduct_credit(now=NOW)
            member.add_credits(1, now=NOW)

        # INSERT new grants, UPDATE spent grants: the unchanged member row is not rewritten
        with django_assert_num_queries(2):
            self.repository.save(member)

        assert CreditGrantRow.objects.filter(member=row, remaining=0).count() == grants
        assert CreditGrantRow.objects.filter(member=row, remaining=1).count() == grants

    def test_saving_an_unchanged_member_writes_nothing(self, django_assert_num_queries):
        row = member_row()
        grant_row(row, remaining=2)
        member = self.repository.get_by_id(str(row.pk), for_update=True)

        with django_assert_num_queries(0):
            self.repository.save(member)

    def test_saving_twice_writes_the_second_change_only(self, django_assert_num_queries):
        row = member_row()
        grant_row(row, remaining=2)
        member = self.repository.get_by_id(str(row.pk), for_update=True)
        member.deduct_credit(now=NOW)
        self.repository.save(member)
        member.deduct_credit(now=NOW)

        with django_assert_num_queries(1):  # UPDATE the grant
            self.repository.save(member)

        assert CreditGrantRow.objects.get(member=row).remaining == 0

    def test_a_changed_name_is_written(self):
        row = member_row()
        member = self.repository.get_by_id(str(row.pk), for_update=True)
        member.erase(now=NOW)

        self.repository.save(member)

        row.refresh_from_db()
        assert (row.name, row.erased_at) == ("Erased member", NOW)

    def test_a_member_it_did_not_load_is_compared_with_the_database(self):
        row = member_row()
        grant_row(row, remaining=2)
        loaded = self.repository.get_by_id(str(row.pk), for_update=True)
        elsewhere = Member(loaded.id, "Ana Renamed", loaded.email, copy.deepcopy(loaded.grants))
        elsewhere.deduct_credit(now=NOW)

        self.repository.save(elsewhere)

        row.refresh_from_db()
        assert row.name == "Ana Renamed"
        assert CreditGrantRow.objects.get(member=row).remaining == 1

    def test_a_contact_is_the_member_without_her_grants_in_one_query(
        self, django_assert_num_queries
    ):
        row = member_row()
        grant_row(row, remaining=2)

        with django_assert_num_queries(1):
            member = self.repository.get_contact(str(row.pk))

        assert (member.id, member.name, member.grants) == (str(row.pk), row.name, ())

    @pytest.mark.parametrize("member_id", [str(uuid.uuid4()), *MALFORMED_IDS])
    def test_an_unknown_contact_is_not_found(self, member_id):
        with pytest.raises(MemberNotFoundException):
            self.repository.get_contact(member_id)


# --- Classes ----------------------------------------------------------------------------------


class TestClassRepository:
    repository = DjangoClassRepository()

    def test_a_saved_class_loads_back_with_the_same_fields(self):
        studio = LocationFactory(name="Studio 2")
        fitness_class = FitnessClass(
            new_id(),
            "Yoga",
            12,
            starts_at=TEN,
            duration=timedelta(minutes=45),
            description="Slow flow",
            instructor="Kim",
            location="Studio 2",
        )

        self.repository.save(fitness_class)
        loaded = self.repository.get_by_id(fitness_class.id)

        assert class_fields(loaded) == class_fields(fitness_class)
        row = FitnessClassRow.objects.get(pk=fitness_class.id)
        assert (row.ends_at, row.cancelled_at) == (TEN + timedelta(minutes=45), None)
        assert row.location == studio

    def test_bookings_holding_a_spot_count_as_booked_and_cancelled_ones_do_not(self):
        row = class_row()
        holding = [member_row(f"Confirmed{i}") for i in range(2)]
        for member in holding:
            booking_row(member, row)
        for status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
            holding.append(member_row(status.name.title()))
            booking_row(holding[-1], row, status)
        for status in (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED):
            booking_row(member_row(status.name.title()), row, status)

        loaded = self.repository.get_by_id(str(row.pk))

        assert loaded.booked_member_ids == {str(m.pk) for m in holding}
        assert loaded.spots_left == 6

    def test_a_capacity_change_is_saved(self):
        row = class_row()
        fitness_class = self.repository.get_by_id(str(row.pk), for_update=True)

        fitness_class.change_capacity(4, now=NOW)
        self.repository.save(fitness_class)

        assert self.repository.get_by_id(str(row.pk)).capacity == 4

    def test_a_cancelled_class_is_saved_as_cancelled_without_touching_its_bookings(self):
        row = class_row()
        booking = booking_row(member_row(), row)
        fitness_class = self.repository.get_by_id(str(row.pk), for_update=True)

        fitness_class.cancel("Instructor ill", now=NOW)
        self.repository.save(fitness_class)

        loaded = self.repository.get_by_id(str(row.pk))
        assert (loaded.is_cancelled, loaded.cancellation_reason) == (True, "Instructor ill")
        row.refresh_from_db()
        assert row.cancelled_at is not None
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED.value

    def test_saving_a_cancelled_class_again_keeps_when_it_was_cancelled(self):
        row = class_row(cancelled=True)
        fitness_class = self.repository.get_by_id(str(row.pk))

        self.repository.save(fitness_class)

        row.refresh_from_db()
        assert row.cancelled_at == NOW

    @pytest.mark.parametrize("class_id", [str(uuid.uuid4()), *MALFORMED_IDS])
    @pytest.mark.parametrize("for_update", [False, True])
    def test_an_unknown_or_malformed_id_is_not_found(self, class_id, for_update):
        with pytest.raises(ClassNotFoundException):
            self.repository.get_by_id(class_id, for_update=for_update)

    @pytest.mark.parametrize("bookings", [0, 1, 5])
    @pytest.mark.parametrize(("for_update", "queries"), [(False, 1), (True, 2)])
    def test_loading_takes_one_query_or_two_to_lock_however_many_bookings(
        self, bookings, for_update, queries, django_assert_num_queries
    ):
        row = class_row()
        members = [member_row(f"M{i}") for i in range(bookings)]
        for member in members:
            booking_row(member, row)
        booking_row(member_row("Gone"), row, BookingStatus.CANCELLED)

        with django_assert_num_queries(queries):
            fitness_class = self.repository.get_by_id(str(row.pk), for_update=for_update)

        assert fitness_class.spots_taken == bookings
        assert fitness_class.booked_member_ids == {str(member.pk) for member in members}

    def test_saving_takes_one_query(self, django_assert_num_queries):
        row = class_row()
        for i in range(3):
            booking_row(member_row(f"M{i}"), row)
        fitness_class = self.repository.get_by_id(str(row.pk), for_update=True)
        fitness_class.cancel("Flooded studio", now=NOW)

        with django_assert_num_queries(1):
            self.repository.save(fitness_class)

    def test_a_relocated_class_is_saved_at_the_location_of_that_name_in_one_query(
        self, django_assert_num_queries
    ):
        # given a class at Studio 1 and another location, Riverside
        row = class_row()
        riverside = LocationFactory(name="Riverside", time_zone="America/New_York")
        fitness_class = self.repository.get_by_id(str(row.pk), for_update=True)
        fitness_class.change_details(now=NOW, location="Riverside")

        # when it is saved
        with django_assert_num_queries(1):
            self.repository.save(fitness_class)

        # then its row points to Riverside, whose name it loads with
        row.refresh_from_db()
        assert row.location == riverside
        assert self.repository.get_by_id(str(row.pk)).location == "Riverside"

    def test_a_class_keeps_its_room_at_its_location_and_leaves_it_when_it_moves_away(self):
        # given a class in the studio's back room
        row = class_row()
        row.room = RoomFactory(location=row.location, name="Back room")
        row.save()
        LocationFactory(name="Riverside")
        fitness_class = self.repository.get_by_id(str(row.pk), for_update=True)

        # when it is renamed, then moved to Riverside
        fitness_class.change_details(now=NOW, name="Spin 45")
        self.repository.save(fitness_class)
        row.refresh_from_db()
        kept = row.room
        fitness_class.change_details(now=NOW, location="Riverside")
        self.repository.save(fitness_class)
        row.refresh_from_db()

        # then it stayed in the room while at the studio, and has no room at Riverside
        assert kept is not None and kept.name == "Back room"
        assert (row.location.name, row.room) == ("Riverside", None)

    def test_a_renamed_location_is_the_name_its_classes_load_with(self):
        row = class_row()
        row.location.name = "Studio One"
        row.location.save()

        assert self.repository.get_by_id(str(row.pk)).location == "Studio One"

    def test_a_class_at_a_location_nobody_added_is_refused_by_the_database(self):
        fitness_class = FitnessClass(new_id(), "Yoga", 12, starts_at=TEN, location="Atlantis")

        with pytest.raises(IntegrityError), transaction.atomic():
            self.repository.save(fitness_class)
        assert not FitnessClassRow.objects.filter(pk=fitness_class.id).exists()


# --- Bookings ---------------------------------------------------------------------------------


class TestBookingRepository:
    repository = DjangoBookingRepository()

    def test_a_saved_booking_loads_back_with_the_same_fields(self):
        member, fitness_class = member_row(), class_row()
        grant = grant_row(member)
        booking = Booking.confirm(
            str(member.pk), str(fitness_class.pk), now=NOW, credit_grant_id=str(grant.pk)
        )

        self.repository.save(booking)
        loaded = self.repository.get_by_id(booking.id)

        assert (
            loaded.id,
            loaded.member_id,
            loaded.class_id,
            loaded.status,
            loaded.created_at,
            loaded.cancelled_at,
            loaded.cancellation_reason,
            loaded.credit_grant_id,
        ) == (
            booking.id,
            str(member.pk),
            str(fitness_class.pk),
            BookingStatus.CONFIRMED,
            NOW,
            None,
            None,
            str(grant.pk),
        )

    @pytest.mark.parametrize(("reason", "stored"), [("Feeling ill", "Feeling ill"), (None, "")])
    def test_a_cancellation_is_saved_with_its_reason(self, reason, stored):
        row = booking_row(member_row(), class_row())
        booking = self.repository.get_by_id(str(row.pk), for_update=True)

        booking.cancel(TOMORROW, reason, now=NOW)
        self.repository.save(booking)

        row.refresh_from_db()
        assert (row.status, row.cancelled_at, row.cancellation_reason) == (
            BookingStatus.CANCELLED.value,
            NOW,
            stored,
        )
        loaded = self.repository.get_by_id(str(row.pk))
        assert (loaded.status, loaded.cancellation_reason) == (BookingStatus.CANCELLED, reason)

    def test_confirmed_bookings_of_a_class_come_by_id(self):
        fitness_class = class_row()
        rows = [booking_row(member_row(f"M{i}"), fitness_class) for i in range(4)]
        booking_row(member_row("Gone"), fitness_class, BookingStatus.CANCELLED)
        booking_row(member_row("Elsewhere"), class_row(TEN + 2 * HOUR))

        bookings = self.repository.get_confirmed_by_class(str(fitness_class.pk), for_update=True)

        assert [b.id for b in bookings] == sorted(str(r.pk) for r in rows)

    def test_a_second_active_booking_is_already_booked_and_the_transaction_goes_on(self):
        member, fitness_class = member_row(), class_row()
        booking_row(member, fitness_class)
        double_click = Booking.confirm(
            str(member.pk), str(fitness_class.pk), now=NOW, credit_grant_id=None
        )

        with pytest.raises(AlreadyBookedException):
            self.repository.save(double_click)

        # The count runs: the refused insert did not abort the surrounding transaction.
        assert BookingRow.objects.filter(member=member).count() == 1

    def test_a_member_can_book_again_after_cancelling(self):
        member, fitness_class = member_row(), class_row()
        booking_row(member, fitness_class, BookingStatus.CANCELLED)
        again = Booking.confirm(
            str(member.pk), str(fitness_class.pk), now=NOW, credit_grant_id=None
        )

        self.repository.save(again)

        assert self.repository.get_by_id(again.id).is_confirmed

    def test_an_already_booked_refusal_leaves_an_outer_atomic_block_usable(self):
        member, fitness_class = member_row(), class_row()
        booking_row(member, fitness_class)

        with transaction.atomic():
            with pytest.raises(AlreadyBookedException):
                self.repository.save(
                    Booking.confirm(
                        str(member.pk), str(fitness_class.pk), now=NOW, credit_grant_id=None
                    )
                )
            other = member_row("Bob")

        assert MemberRow.objects.filter(pk=other.pk).exists()

    @pytest.mark.parametrize("booking_id", [str(uuid.uuid4()), *MALFORMED_IDS])
    @pytest.mark.parametrize("for_update", [False, True])
    def test_an_unknown_or_malformed_id_is_not_found(self, booking_id, for_update):
        with pytest.raises(BookingNotFoundException):
            self.repository.get_by_id(booking_id, for_update=for_update)

    @pytest.mark.parametrize("for_update", [False, True])
    def test_loading_one_booking_takes_one_query(self, for_update, django_assert_num_queries):
        row = booking_row(member_row(), class_row())

        with django_assert_num_queries(1):
            self.repository.get_by_id(str(row.pk), for_update=for_update)

    @pytest.mark.parametrize("bookings", [1, 5])
    def test_loading_a_class_s_bookings_takes_one_query(self, bookings, django_assert_num_queries):
        fitness_class = class_row()
        for i in range(bookings):
            booking_row(member_row(f"M{i}"), fitness_class)

        with django_assert_num_queries(1):
            loaded = self.repository.get_confirmed_by_class(str(fitness_class.pk))

        assert len(loaded) == bookings

    def test_saving_a_loaded_booking_is_one_update_without_a_savepoint(
        self, django_assert_num_queries
    ):
        booking = self.repository.get_by_id(str(booking_row(member_row(), class_row()).pk))
        booking.cancel(TOMORROW, now=NOW)

        with django_assert_num_queries(1):  # UPDATE
            self.repository.save(booking)

    def test_saving_a_new_booking_is_one_insert_without_a_savepoint(
        self, django_assert_num_queries
    ):
        booking = Booking.confirm(
            str(member_row().pk), str(class_row().pk), now=NOW, credit_grant_id=None
        )

        with django_assert_num_queries(1):  # INSERT (a double booking is skipped, not raised)
            self.repository.save(booking)

        assert self.repository.get_by_id(booking.id).is_confirmed

    def test_a_booking_it_did_not_load_whose_row_exists_is_updated(self):
        row = booking_row(member_row(), class_row())
        loaded = self.repository.get_by_id(str(row.pk))
        elsewhere = Booking(loaded.id, loaded.member_id, loaded.class_id, created_at=NOW)
        elsewhere.cancel(TOMORROW, "Moved away", now=NOW)

        self.repository.save(elsewhere)

        row.refresh_from_db()
        assert (row.status, row.cancellation_reason) == ("cancelled", "Moved away")


class TestHasConfirmedOverlapping:
    """The member's other confirmed bookings against the class at 10:00-11:00."""

    repository = DjangoBookingRepository()

    @pytest.mark.parametrize(
        ("starts_at", "ends_at", "overlaps"),
        [
            (TEN + HOUR / 2, TEN + 3 * HOUR / 2, True),  # starts during it
            (TEN - HOUR / 2, TEN + HOUR / 2, True),  # ends during it
            (TEN - HOUR, TEN + 2 * HOUR, True),  # contains it
            (TEN + HOUR / 4, TEN + HOUR / 2, True),  # inside it
            (TEN, TEN + HOUR, True),  # same times, another class
            (TEN - HOUR, TEN, False),  # ends as it starts
            (TEN + HOUR, TEN + 2 * HOUR, False),  # starts as it ends
            (TEN + 3 * HOUR, TEN + 4 * HOUR, False),  # later the same day
        ],
    )
    def test_a_confirmed_booking_of_another_class_counts_only_if_the_times_overlap(
        self, starts_at, ends_at, overlaps
    ):
        member, this = member_row(), class_row()
        booking_row(member, class_row(starts_at, ends_at))

        assert (
            self.repository.spots_held(str(member.pk), fitness_class_entity(this), NOW).overlapping
            is overlaps
        )

    @pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED])
    def test_a_cancelled_booking_does_not_count(self, status):
        member, this = member_row(), class_row()
        booking_row(member, class_row(TEN + HOUR / 2), status)

        assert not self.repository.spots_held(
            str(member.pk), fitness_class_entity(this), NOW
        ).overlapping

    @pytest.mark.parametrize("status", [BookingStatus.ATTENDED, BookingStatus.NO_SHOW])
    def test_a_booking_already_marked_still_holds_its_time(self, status):
        member, this = member_row(), class_row()
        booking_row(member, class_row(TEN + HOUR / 2), status)

        assert self.repository.spots_held(
            str(member.pk), fitness_class_entity(this), NOW
        ).overlapping

    def test_a_booking_of_a_cancelled_class_does_not_count(self):
        member, this = member_row(), class_row()
        booking_row(member, class_row(TEN + HOUR / 2, cancelled=True))

        assert not self.repository.spots_held(
            str(member.pk), fitness_class_entity(this), NOW
        ).overlapping

    def test_a_booking_of_the_same_class_does_not_count(self):
        member, this = member_row(), class_row()
        booking_row(member, this)

        assert not self.repository.spots_held(
            str(member.pk), fitness_class_entity(this), NOW
        ).overlapping

    def test_another_member_s_booking_does_not_count(self):
        member, this = member_row(), class_row()
        booking_row(member_row("Bob"), class_row(TEN + HOUR / 2))

        assert not self.repository.spots_held(
            str(member.pk), fitness_class_entity(this), NOW
        ).overlapping

    def test_a_malformed_member_id_holds_nothing(self):
        assert not self.repository.spots_held(
            "not-a-uuid", fitness_class_entity(class_row()), NOW
        ).overlapping

    def test_upcoming_confirmed_bookings_are_counted_in_the_same_query(self):
        member, this = member_row(), class_row()
        booking_row(member, class_row(TEN + HOUR / 2))  # overlapping and upcoming
        booking_row(member, class_row(TEN + 5 * HOUR))  # upcoming
        booking_row(member, class_row(NOW - HOUR, NOW))  # past

        held = self.repository.spots_held(str(member.pk), fitness_class_entity(this), NOW)

        assert (held.upcoming_confirmed, held.overlapping) == (2, True)

    @pytest.mark.parametrize("bookings", [1, 5])
    def test_it_is_one_query(self, bookings, django_assert_num_queries):
        member, this = member_row(), class_row()
        for i in range(bookings):
            booking_row(member, class_row(TEN + (i + 2) * HOUR))
        fitness_class = fitness_class_entity(this)

        with django_assert_num_queries(1):
            self.repository.spots_held(str(member.pk), fitness_class, NOW)


# --- Waitlist ---------------------------------------------------------------------------------


class TestWaitlistRepository:
    repository = DjangoWaitlistRepository()

    def test_an_added_entry_loads_back_with_the_same_fields(self):
        member, fitness_class = member_row(), class_row()
        entry = WaitlistEntry.join(str(member.pk), str(fitness_class.pk), now=NOW, position=1)

        self.repository.add(entry)

        [loaded] = self.repository.get_by_class(str(fitness_class.pk))
        assert (loaded.id, loaded.member_id, loaded.class_id, loaded.created_at) == (
            entry.id,
            str(member.pk),
            str(fitness_class.pk),
            NOW,
        )

    def test_the_waitlist_is_in_order_of_joining_then_by_id(self):
        fitness_class = class_row()
        later = entry_row(member_row("Late"), fitness_class, NOW + HOUR, uuid.UUID(int=0))
        same_time = [
            entry_row(member_row(f"M{n}"), fitness_class, NOW, uuid.UUID(int=n)) for n in (3, 1, 2)
        ]

        entries = self.repository.get_by_class(str(fitness_class.pk))

        assert [e.id for e in entries] == [
            *sorted(str(row.pk) for row in same_time),
            str(later.pk),
        ]

    def test_a_malformed_class_id_has_no_waitlist(self):
        assert self.repository.get_by_class("not-a-uuid") == []

    def test_overlapping_entries_are_those_of_the_member_for_other_live_classes(self):
        member, this = member_row(), class_row()
        overlapping = entry_row(member, class_row(TEN + HOUR / 2))
        entry_row(member, this)  # the class itself
        entry_row(member, class_row(TEN + HOUR))  # touching
        entry_row(member, class_row(TEN - HOUR / 2, cancelled=True))  # cancelled class
        entry_row(member_row("Bob"), class_row(TEN + HOUR / 2))  # another member

        entries = self.repository.get_overlapping_for_member(
            str(member.pk), fitness_class_entity(this)
        )

        assert [e.id for e in entries] == [str(overlapping.pk)]

    def test_the_class_s_queue_and_the_member_s_overlapping_entries_come_in_one_query(
        self, django_assert_num_queries
    ):
        member, this = member_row(), class_row()
        first = entry_row(member_row("Bob"), this, NOW)
        hers = entry_row(member, this, NOW + HOUR)
        overlapping = entry_row(member, class_row(TEN + HOUR / 2))
        entry_row(member, class_row(TEN + 2 * HOUR))  # not at the same time
        entry_row(member_row("Cara"), class_row(TEN + HOUR / 2))  # another member's
        fitness_class = fitness_class_entity(this)

        with django_assert_num_queries(1):
            queue, elsewhere = self.repository.get_by_class_and_overlapping_for_member(
                fitness_class, str(member.pk)
            )

        assert [e.id for e in queue] == [str(first.pk), str(hers.pk)]
        assert [e.id for e in elsewhere] == [str(overlapping.pk)]

    def test_a_malformed_member_id_has_only_the_class_s_queue(self):
        this = class_row()
        entry = entry_row(member_row(), this)

        queue, elsewhere = self.repository.get_by_class_and_overlapping_for_member(
            fitness_class_entity(this), "not-a-uuid"
        )

        assert ([e.id for e in queue], elsewhere) == ([str(entry.pk)], [])

    def test_a_second_entry_is_already_on_the_waitlist_and_the_transaction_goes_on(self):
        member, fitness_class = member_row(), class_row()
        entry_row(member, fitness_class)
        again = WaitlistEntry.join(str(member.pk), str(fitness_class.pk), now=NOW, position=2)

        with pytest.raises(AlreadyOnWaitlistException):
            self.repository.add(again)

        # The count runs: the refused insert did not abort the surrounding transaction.
        assert WaitlistEntryRow.objects.filter(member=member).count() == 1

    def test_removing_deletes_only_that_entry_and_may_be_repeated(self):
        fitness_class = class_row()
        kept = entry_row(member_row("Bob"), fitness_class, NOW)
        entry_row(member_row(), fitness_class, NOW + HOUR)
        _, gone = self.repository.get_by_class(str(fitness_class.pk))

        self.repository.remove(gone)
        self.repository.remove(gone)

        assert [e.id for e in self.repository.get_by_class(str(fitness_class.pk))] == [str(kept.pk)]

    @pytest.mark.parametrize("entries", [1, 5])
    def test_reads_take_one_query_however_many_entries(self, entries, django_assert_num_queries):
        member, this = member_row(), class_row()
        for i in range(entries):
            entry_row(member_row(f"M{i}"), this)
            entry_row(member, class_row(TEN + HOUR / 2))
        fitness_class = fitness_class_entity(this)

        with django_assert_num_queries(1):
            assert len(self.repository.get_by_class(str(this.pk))) == entries
        with django_assert_num_queries(1):
            assert (
                len(self.repository.get_overlapping_for_member(str(member.pk), fitness_class))
                == entries
            )

    def test_adding_takes_a_savepoint_and_one_insert(self, django_assert_num_queries):
        entry = WaitlistEntry.join(str(member_row().pk), str(class_row().pk), now=NOW, position=1)

        with django_assert_num_queries(3):  # SAVEPOINT, INSERT, RELEASE
            self.repository.add(entry)

    def test_removing_takes_one_query(self, django_assert_num_queries):
        row = entry_row(member_row(), class_row())
        [entry] = self.repository.get_by_class(str(row.fitness_class_id))

        with django_assert_num_queries(1):
            self.repository.remove(entry)
