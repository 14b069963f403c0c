"""`manage.py seed_demo`: a small, believable gym to click around in.

A staff superuser, a front desk login for each gym and a chain manager (demo/chain.py), twenty
members with logins, credits and home gyms (one on an unlimited membership, of the two
membership plans: demo/memberships.py; one bought a class pack at the desk, of the packs on
sale: demo/products.py), two gyms of the chain in different time zones (Old
Town in London, Riverside in New York, each with its rooms), a week of classes from today at
each (on its own clock), bookings (one member at both gyms on the same day), and a few full
classes with a waitlist.
Members, credits, bookings and waitlist places are made through the use cases (`services()`),
exactly as a sign-up, staff and members would make them, so the rules hold: members get the
gym's welcome credits, credits are really spent, nothing is overbooked, and a booking the rules
refuse (no credit left, an overlapping class) is simply not made. Only what no use case makes
(logins, staff, the locations and home gyms, the schedule) is written directly, logins with
the sign-up's own helpers.

Development only: with DEBUG off it refuses to run (its staff password is public).

Idempotent: when the demo members exist, it changes nothing and says so. Everything runs in one
transaction, so an interrupted run leaves nothing behind. The choices come from a seeded
`random.Random` (`--seed`): the same seed gives the same demo for the same day (which of
today's classes are still bookable depends on the hour, of course).

E-mail: every booking sends its member a confirmation. The demo members are fictional
(example.com is reserved for examples), so by default their mail goes to Django's dummy
backend: `MAILERS["default"]` is pointed at it for the duration of the command with
`override_settings`, the same mechanism the test runner uses to swap in its memory backend.
E-mail is otherwise the workers' (`process_events --queue mail`), who would send it through
the configured mailer, so the command delivers its own members' e-mail itself, after the
commit and while the override holds. The notices are still built, so a broken template still
fails here. `--send-email` keeps the configured mailer instead (with the default console
backend: one message per booking on stdout).
"""

import random
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from classes.queries import spendable_credits
from demo import chain, memberships, products
from domain.exceptions import DomainException
from events.dispatcher import DUE
from events.models import Delivery
from gymbooking.composition import services
from locations.models import Location, Room
from members.models import Member
from members.queries import attach_login, create_login
from sales.models import Product
from web import formatting

STAFF_USERNAME = "staff"
STAFF_EMAIL = "staff@gymbooking.local"
STAFF_PASSWORD = "gymbooking-staff"
MEMBER_PASSWORD = "gymbooking-demo"
DUMMY_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}

MEMBER_NAMES = [
    "Ana Silva",
    "Ben Okafor",
    "Cara Murphy",
    "Dev Patel",
    "Ella Novak",
    "Finn Byrne",
    "Grace Chen",
    "Hugo Laurent",
    "Isla Fraser",
    "Jack Wright",
    "Kemi Adeyemi",
    "Leo Rossi",
    "Maya Kowalski",
    "Noah Brown",
    "Olga Ivanova",
    "Priya Sharma",
    "Quinn Taylor",
    "Rosa Garcia",
    "Sam Nguyen",
    "Tom Evans",
]
# Members who buy no credits: their welcome credits, if the gym gives any, are spent on demo
# bookings, so they end with none. And the member whose credits expire in three days.
NO_CREDIT = ("hugo@example.com", "olga@example.com")
EXPIRING_SOON = "dev@example.com"
EXPIRING_SOON_DAYS = 3
# The pack each other member buys, in credits (on top of any welcome credits).
PACKS = (3, 5, 8, 9)
# The demo's bookings spend at most this share of a member's credits (rounded down), so every
# login with credits can still book.
SPENT_SHARE = 0.6


@dataclass(frozen=True)
class ClassType:
    name: str
    description: str
    instructors: tuple[str, ...]
    room: str
    minutes: int
    capacities: tuple[int, ...]


@dataclass(frozen=True)
class DemoLocation:
    name: str
    time_zone: str
    address: str


# Two gyms of the chain, five hours apart; each has every room the class types use.
LOCATIONS = (
    DemoLocation("Old Town", "Europe/London", "12 Market Street, London"),
    DemoLocation("Riverside", "America/New_York", "200 Hudson Street, New York"),
)
ROOM_CAPACITY = 20


CLASS_TYPES = (
    ClassType(
        "Spin",
        "Indoor cycling to loud music: climbs, sprints and intervals.",
        ("Kim Okoro", "Marco Bianchi"),
        "Spin Studio",
        45,
        (12, 16, 20),
    ),
    ClassType(
        "Yoga",
        "A vinyasa flow for strength and flexibility. Mats provided.",
        ("Lena Fischer", "Asha Rao"),
        "Studio 2",
        60,
        (10, 14, 18),
    ),
    ClassType(
        "HIIT",
        "Short, hard intervals with bodyweight and kettlebells.",
        ("Jordan Blake", "Kim Okoro"),
        "Studio 1",
        45,
        (10, 12, 16),
    ),
    ClassType(
        "Pilates",
        "Mat Pilates for core strength and posture.",
        ("Lena Fischer", "Sofia Marin"),
        "Studio 2",
        50,
        (8, 10, 12),
    ),
    ClassType(
        "Boxing",
        "Pads, bags and footwork. Gloves to borrow at the desk.",
        ("Dan Walsh",),
        "Boxing Gym",
        60,
        (8, 10, 12),
    ),
    ClassType(
        "Strength",
        "Barbell basics in small groups: squat, press, deadlift.",
        ("Jordan Blake", "Dan Walsh"),
        "Weights Room",
        60,
        (6, 8, 10),
    ),
)
# Start times (local). Every class lasts at most an hour, so consecutive slots never overlap;
# the evening sometimes gets a second class in another room at the same time.
SLOTS = (time(7, 0), time(9, 30), time(12, 15), time(17, 30), time(18, 30), time(19, 45))
PARALLEL_SLOT = time(18, 30)
DAYS = 7
FULL_CLASSES = 3
FULL_CAPACITIES = (6, 7, 8)
WAITLIST_SIZES = (2, 3, 4)
# A class that starts sooner than this is not picked to be full (it would start mid-demo).
FULL_CLASS_LEAD = timedelta(hours=3)
# Bookings are only attempted for classes starting at least this far ahead.
BOOKING_LEAD = timedelta(minutes=5)


def deliver_mail_of(emails: list[str]) -> None:
    """Deliver now the e-mail still due to the members with these addresses."""
    members = Member.objects.filter(email__in=emails).values_list("pk", flat=True)
    due = Delivery.objects.filter(
        queue=Delivery.Queue.MAIL, status__in=DUE, event__member_id__in=list(members)
    )
    services().dispatcher.deliver_each(list(due.order_by("pk").values_list("pk", flat=True)))


def email_of(name: str) -> str:
    return f"{name.split()[0].lower()}@example.com"


@dataclass
class Planned:
    """A class of the schedule before it is saved."""

    kind: ClassType
    location: Location
    starts_at: datetime
    instructor: str
    capacity: int
    full: bool = False


class Command(BaseCommand):
    help = (
        "Create a demo gym: a staff superuser, twenty members with credits, a week of classes "
        "from today with bookings and waitlists. Safe to run again: it changes nothing once "
        "the demo exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Build the demo in a transaction and roll it back: shows what would be made.",
        )
        parser.add_argument(
            "--send-email",
            action="store_true",
            help="Send the demo's booking e-mails through the configured mailer "
            "(by default they are discarded: the demo members are fictional).",
        )
        parser.add_argument(
            "--seed", type=int, default=2024, help="Seed of the random choices (default 2024)."
        )

    def handle(self, *args, dry_run: bool, send_email: bool, seed: int, **options):
        if not settings.DEBUG:
            # Its staff login's password is printed in the README.
            raise CommandError(
                "seed_demo makes a staff superuser with a published password and fictional "
                "members: it runs only with DEBUG=True (development), never in production."
            )
        emails = [email_of(name) for name in MEMBER_NAMES]
        if Member.objects.filter(email__in=emails).exists():
            self.stdout.write("The demo data already exists; nothing was changed.")
            self.print_logins()
            return
        mail = nullcontext() if send_email else override_settings(MAILERS=DUMMY_MAILERS)
        # The transaction ends inside the mail override, and the demo's e-mail is delivered
        # after it, so the notices are sent while the override is in force.
        with mail:
            with transaction.atomic():
                summary = Seeder(random.Random(seed), self.stdout.write).run()
                if dry_run:
                    transaction.set_rollback(True)
            if not dry_run:
                deliver_mail_of(emails)
        if dry_run:
            self.stdout.write(f"Dry run, nothing was saved. It would have made: {summary}.")
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))
        self.print_logins()

    def print_logins(self) -> None:
        """The staff login and a few member logins, with the members' spendable credits."""
        shown = {
            chain.TRAVELLER: f"; {chain.home_and_bookings(chain.TRAVELLER)}",
            email_of(MEMBER_NAMES[1]): "",
            EXPIRING_SOON: f", some expiring in {EXPIRING_SOON_DAYS} days",
            NO_CREDIT[0]: "",
        }
        ids = dict(Member.objects.filter(email__in=shown).values_list("email", "id"))
        now = timezone.now()
        lines = [
            "Logins:",
            f"  staff (superuser)  {STAFF_USERNAME} / {STAFF_PASSWORD}",
            *chain.staff_login_lines(STAFF_PASSWORD),
        ]
        for email, note in shown.items():
            credits = spendable_credits(ids[email], now) if email in ids else 0
            lines.append(
                f"  member  {email} / {MEMBER_PASSWORD}"
                f"  ({formatting.count(credits, 'credit', 'credits')}{note})"
            )
        lines.append(f"  every demo member  <first name>@example.com / {MEMBER_PASSWORD}")
        self.stdout.write("\n".join(lines))


class Seeder:
    """Makes the demo, in the caller's transaction."""

    def __init__(self, rng: random.Random, write: Callable[[str], object]) -> None:
        self.rng = rng
        self.write = write
        self.now = timezone.now()
        self.services = services()
        # Credits each member may still spend on demo bookings.
        self.budget: dict[str, int] = {}
        # The classes to fill and give a waitlist.
        self.full: set[UUID] = set()
        # The ids of the members who buy no credits.
        self.no_credit: set[str] = set()
        # The packs on sale, by name (made first: a member buys one).
        self.packs: dict[str, Product] = {}

    def run(self) -> str:
        self.create_staff()
        self.packs = products.create_packs()
        members = self.create_members()
        self.create_memberships()
        classes = self.create_schedule()
        chain.give_opening_rules([demo.name for demo in LOCATIONS], self.now, DAYS)
        chain.create_staff(STAFF_PASSWORD, self.write)
        chain.give_home_locations(members)
        future = [c for c in classes if c.starts_at > self.now + BOOKING_LEAD]
        self.book_travels(members, [c for c in future if c.pk not in self.full])
        # Members who bought nothing spend their welcome credits first, on classes with room.
        spenders = [m for m in members if m in self.no_credit]
        for fitness_class in self.rng.sample(future, len(future)):
            if fitness_class.pk not in self.full:
                self.book(fitness_class, spenders, len(spenders))
        # The full classes first, while every member still has credit to spend.
        for fitness_class in future:
            if fitness_class.pk in self.full:
                self.book(fitness_class, members, fitness_class.capacity)
                self.join_waitlist(fitness_class, members, self.rng.choice(WAITLIST_SIZES))
        # The others in random order, so the credits left are spread over the whole week.
        others = [c for c in future if c.pk not in self.full]
        for fitness_class in self.rng.sample(others, len(others)):
            self.book(fitness_class, members, self.target(fitness_class))
        bookings = Booking.objects.filter(fitness_class__in=classes).count()
        waiting = WaitlistEntry.objects.filter(fitness_class__in=classes).count()
        first_day = formatting.staff_day(classes[0].starts_at)
        return (
            f"{len(members)} members, {len(classes)} classes at {len(LOCATIONS)} locations over "
            f"{DAYS} days from {first_day}, {bookings} bookings, {waiting} waitlist places"
        )

    # --- People --------------------------------------------------------------------------

    def create_staff(self) -> None:
        users = get_user_model().objects
        if users.filter(username=STAFF_USERNAME).exists():
            self.write(f"User “{STAFF_USERNAME}” already exists; left as it is.")
            return
        users.create_superuser(username=STAFF_USERNAME, email=STAFF_EMAIL, password=STAFF_PASSWORD)

    def create_members(self) -> list[str]:
        """Members registered through the use case, each with a login; their ids."""
        # One hash for the shared, published demo password: hashing it twenty times would
        # only make the command slow.
        password = make_password(MEMBER_PASSWORD)
        member_ids = []
        for name in MEMBER_NAMES:
            email = email_of(name)
            try:
                member = self.services.register_member.execute(name, email)
            except DomainException as refusal:
                raise CommandError(f"Cannot register the demo member {email}: {refusal}") from None
            # No password here (hashing is the slow part), then the shared hash.
            user = create_login(name, email, password=None)
            user.password = password
            user.save(update_fields=["password"])
            attach_login(member.id, user)
            welcome = member.credits_at(self.now)
            if email in NO_CREDIT:
                # Bought nothing: the welcome credits, if any, all go on demo bookings.
                self.no_credit.add(member.id)
                self.budget[member.id] = welcome
            else:
                bought = self.buy_credits(member.id, email)
                self.budget[member.id] = int((welcome + bought) * SPENT_SHARE)
            member_ids.append(member.id)
        return member_ids

    def create_memberships(self) -> None:
        """The membership plans, and one member on the unlimited plan."""
        plans = memberships.create_plans()
        member = Member.objects.get(email=memberships.MEMBER_EMAIL)
        memberships.start_membership(self.services, str(member.pk), plans[memberships.PLAN_NAME])

    def buy_credits(self, member_id: str, email: str) -> int:
        """A pack, or a trial expiring soon for one member; the credits bought. One member
        buys a pack on sale at the desk (a purchase with its receipt); the others' credits
        are granted as packs bought before the gym sold them here."""
        if email == products.BUYER_EMAIL:
            pack = self.packs[products.BOUGHT]
            products.sell_at_the_desk(self.services, member_id, pack)
            return pack.credits
        if email == EXPIRING_SOON:
            credits, days, reason = 3, EXPIRING_SOON_DAYS, "Trial pack"
        else:
            credits = self.rng.choice(PACKS)
            days, reason = 30, f"{credits}-class pack"
        self.services.add_credits.execute(member_id, credits, expiry_days=days, reason=reason)
        return credits

    # --- The schedule --------------------------------------------------------------------

    def create_locations(self) -> dict[tuple[str, str], Room]:
        """The demo's gyms and their rooms: each room by (location name, room name)."""
        rooms = {}
        for demo in LOCATIONS:
            location, _ = Location.objects.get_or_create(
                name=demo.name, defaults={"time_zone": demo.time_zone, "address": demo.address}
            )
            for room_name in sorted({kind.room for kind in CLASS_TYPES}):
                room, _ = Room.objects.get_or_create(
                    location=location, name=room_name, defaults={"capacity": ROOM_CAPACITY}
                )
                rooms[demo.name, room_name] = room
        return rooms

    def create_schedule(self) -> list[FitnessClass]:
        rooms = self.create_locations()
        planned = []
        for location in Location.objects.filter(name__in=[demo.name for demo in LOCATIONS]):
            today = timezone.localdate(self.now, ZoneInfo(location.time_zone))
            for offset in range(DAYS):
                planned += self.plan_day(location, today + timedelta(offset))
        planned.sort(key=lambda p: (p.starts_at, p.location.name, p.kind.room))
        candidates = [p for p in planned if p.starts_at > self.now + FULL_CLASS_LEAD]
        for entry in self.rng.sample(candidates, min(FULL_CLASSES, len(candidates))):
            entry.full = True
            entry.capacity = self.rng.choice(FULL_CAPACITIES)
        classes = []
        for entry in planned:
            fitness_class = FitnessClass.objects.create(
                name=entry.kind.name,
                description=entry.kind.description,
                instructor=entry.instructor,
                location=entry.location,
                room=rooms[entry.location.name, entry.kind.room],
                starts_at=entry.starts_at,
                ends_at=entry.starts_at + timedelta(minutes=entry.kind.minutes),
                capacity=entry.capacity,
            )
            if entry.full:
                self.full.add(fitness_class.pk)
            classes.append(fitness_class)
        return classes

    def plan_day(self, location: Location, day: date) -> list[Planned]:
        """Four or five classes at `location` on its `day`: all slots but two, sometimes two
        classes in the evening."""
        skipped = self.rng.sample(SLOTS, 2)
        planned = [self.plan(location, day, slot) for slot in SLOTS if slot not in skipped]
        if PARALLEL_SLOT not in skipped and self.rng.random() < 0.5:
            taken = next(p for p in planned if p.starts_at.time() == PARALLEL_SLOT)
            planned.append(self.plan(location, day, PARALLEL_SLOT, beside=taken))
        return sorted(planned, key=lambda p: (p.starts_at, p.kind.room))

    def plan(
        self, location: Location, day: date, slot: time, beside: Planned | None = None
    ) -> Planned:
        """One class at `slot` on the location's clock; `beside` is a class at the same time
        (another room and instructor then)."""

        def free(instructor: str) -> bool:
            return beside is None or instructor != beside.instructor

        kinds = [
            kind
            for kind in CLASS_TYPES
            if (beside is None or kind.room != beside.kind.room)
            and any(free(instructor) for instructor in kind.instructors)
        ]
        kind = self.rng.choice(kinds)
        return Planned(
            kind=kind,
            location=location,
            starts_at=datetime.combine(day, slot, ZoneInfo(location.time_zone)),
            instructor=self.rng.choice([i for i in kind.instructors if free(i)]),
            capacity=self.rng.choice(kind.capacities),
        )

    # --- Bookings and waitlists, through the use cases -----------------------------------

    def target(self, fitness_class: FitnessClass) -> int:
        """How many bookings to try for: some classes busy, most with a few, some empty."""
        profile = self.rng.random()
        if profile < 0.3:
            return round(fitness_class.capacity * self.rng.uniform(0.5, 0.9))
        if profile < 0.75:
            return self.rng.randint(2, 5)
        return self.rng.randint(0, 1)

    def book(self, fitness_class: FitnessClass, members: list[str], wanted: int) -> int:
        """Book up to `wanted` members who can still spend; the use case may refuse some."""
        booked = 0
        for member_id in self.rng.sample(members, len(members)):
            if booked >= wanted:
                break
            if self.budget[member_id] <= 0:
                continue
            if attempt(self.services.book_class.execute, member_id, str(fitness_class.pk)):
                self.budget[member_id] -= 1
                booked += 1
        return booked

    def book_travels(self, members: list[str], classes: list[FitnessClass]) -> None:
        """The travelling member, first while her credits last, at each gym on one day."""
        traveller = members[[email_of(name) for name in MEMBER_NAMES].index(chain.TRAVELLER)]
        for fitness_class in chain.travel_classes(classes, self.now):
            self.book(fitness_class, [traveller], 1)

    def join_waitlist(self, fitness_class: FitnessClass, members: list[str], size: int) -> int:
        """Queue `size` members who are not booked on the (full) class."""
        joined = 0
        for member_id in self.rng.sample(members, len(members)):
            if joined >= size:
                break
            if attempt(self.services.join_waitlist.execute, member_id, str(fitness_class.pk)):
                joined += 1
        return joined


def attempt(execute: Callable[..., object], *args: object) -> bool:
    """Run a use case; a refusal by the rules is an answer, not an error."""
    try:
        execute(*args)
    except DomainException:
        return False
    return True
