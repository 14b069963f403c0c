"""Every page and notice agrees with the ledger, over random histories.

The ledger is the credit grants (a refund is a grant of its own, “Refund: <class>”) and the
bookings that spent them. Each history is a seeded run of 10 to 20 random steps by three members
and staff over a few classes — booking, cancelling early and late (under the history's late
policy), staff cancelling a booking or a whole class, check-in as attended or no-show, time
passing until grants expire, staff grants — and after every step what the credits page, My
bookings, the in-app notices, the e-mails and the admin member page say about each member's
refunds, forfeits, balance and expiries is compared with the ledger. A failure names the seed,
so `pytest -k 'seed_7'` replays it.
"""

import html
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from classes.models import FitnessClass
from domain.entities import SPOT_HOLDING_STATUSES
from domain.exceptions import DomainException
from events.models import Delivery
from members.models import CreditGrant, Member
from members.queries import attach_login, create_login
from notifications.models import Notification
from tests.factories import FitnessClassFactory

pytestmark = pytest.mark.django_db

SEEDS = range(36)
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CLASS_NAMES = ("Spin", "Yoga", "Pilates", "Boxing", "Rowing")
MEMBER_NAMES = ("Ana", "Ben", "Cara")
WINDOW = timedelta(hours=2)  # GYM_CANCELLATION_WINDOW_HOURS's default
# Notices that say the member holds a spot.
BOOKED_KINDS = {"booking_confirmed", "promoted_from_waitlist", "class_reminder"}


def readable(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def says_refunded(text: str) -> bool:
    return "refunded" in text and "not refunded" not in text


def says_forfeited(text: str) -> bool:
    return "not refunded" in text


@dataclass
class History:
    """One random history: the moving clock, the members with their logins, the classes."""

    seed: int
    services: object
    rng: random.Random
    now: datetime = START
    members: list[Member] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)
    classes: list[FitnessClass] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def advance(self, to: datetime) -> None:
        """Move the clock forward to `to`; time never goes back."""
        self.now = max(self.now, to)

    def run(self, label: str, action) -> None:
        """Do a step; the workers catch up after most steps, not all (notices run late)."""
        try:
            action()
            self.steps.append(label)
        except DomainException as refusal:
            self.steps.append(f"{label}: refused ({refusal.message})")
        if self.rng.random() < 0.7:
            deliver_everything(self.services)
        else:
            self.steps.append("(workers behind)")


def deliver_everything(services) -> None:
    """What the workers would do: every due delivery, fast and mail."""
    while services.dispatcher.deliver_next_due():
        pass


# --- The random steps ----------------------------------------------------------------------


def upcoming(history: History, rng: random.Random) -> FitnessClass | None:
    classes = [c for c in history.classes if c.starts_at > history.now and c.cancelled_at is None]
    return rng.choice(classes) if classes else None


def confirmed_booking(history: History, rng: random.Random) -> Booking | None:
    bookings = list(
        Booking.objects.filter(
            status="confirmed",
            fitness_class__starts_at__gt=history.now,
            fitness_class__cancelled_at__isnull=True,
        ).order_by("id")
    )
    return rng.choice(bookings) if bookings else None


def step(history: History, rng: random.Random) -> None:
    services = history.services
    member = rng.choice(history.members)
    kind = rng.choices(
        [
            "book",
            "cancel_early",
            "cancel_late",
            "staff_cancel",
            "cancel_class",
            "check_in",
            "expire",
            "grant",
        ],
        weights=[6, 2, 3, 1, 2, 2, 1, 2],
    )[0]
    if kind == "book":
        fitness_class = upcoming(history, rng)
        if fitness_class is not None:
            history.run(
                f"{member.name} books {fitness_class.name}",
                lambda: services.book_class.execute(str(member.pk), str(fitness_class.pk)),
            )
    elif kind in ("cancel_early", "cancel_late", "staff_cancel"):
        booking = confirmed_booking(history, rng)
        if booking is None:
            return
        starts_at = booking.fitness_class.starts_at
        if kind == "cancel_late":
            history.advance(starts_at - timedelta(minutes=rng.randint(5, 110)))
        elif kind == "cancel_early" and starts_at - history.now <= WINDOW:
            return
        if kind == "staff_cancel":
            action = partial(services.staff_cancel_booking.execute, str(booking.pk), "Injury")
        else:
            action = partial(services.cancel_booking.execute, str(booking.pk))
        history.run(f"{kind} of {booking.member.name} on {booking.fitness_class.name}", action)
    elif kind == "cancel_class":
        fitness_class = upcoming(history, rng)
        if fitness_class is not None:
            history.run(
                f"staff cancel {fitness_class.name}",
                lambda: services.cancel_class.execute(str(fitness_class.pk), "Instructor ill"),
            )
    elif kind == "check_in":
        booking = confirmed_booking(history, rng)
        if booking is None:
            return
        history.advance(booking.fitness_class.starts_at + timedelta(minutes=5))
        attended = rng.random() < 0.5
        history.run(
            f"{booking.member.name} {'attended' if attended else 'no-show'} "
            f"{booking.fitness_class.name}",
            lambda: services.record_attendance.execute([str(booking.pk)], attended),
        )
    elif kind == "expire":
        history.advance(history.now + timedelta(days=rng.randint(1, 4)))
        history.run(
            "time passes, expiries recorded",
            lambda: [services.expire_credits.execute(str(m.pk)) for m in history.members],
        )
    else:
        amount, days = rng.randint(1, 3), rng.randint(1, 6)
        history.run(
            f"staff grant {member.name} {amount} for {days} days",
            lambda: services.add_credits.execute(str(member.pk), amount, days, "Pack"),
        )
    for fitness_class in history.classes:
        fitness_class.refresh_from_db()


# --- What the ledger says, and what each page says ---------------------------------------


def ledger_of(member: Member, now: datetime) -> dict:
    """The member's credits as the ledger's rows have them, per class: refunds (the grants
    "Refund: <class>"), forfeits (credits spent, neither used on the class nor refunded), late
    cancellations; and the balance and expired credits at `now`."""
    grants = list(CreditGrant.objects.filter(member=member))
    spent = Booking.objects.filter(member=member, credit_grant__isnull=False).select_related(
        "fitness_class"
    )
    refunds = Counter(
        g.reason.removeprefix("Refund: ") for g in grants if g.reason.startswith("Refund: ")
    )
    spent_on = Counter(b.fitness_class.name for b in spent)
    used_on = Counter(b.fitness_class.name for b in spent if b.status in SPOT_HOLDING_STATUSES)
    late = Counter(b.fitness_class.name for b in spent if b.status == "late_cancelled")
    return {
        "refunded": refunds,
        "forfeited": +(spent_on - used_on - refunds),
        "late_cancelled": late,
        "balance": sum(g.remaining for g in grants if g.expires_at > now),
        "expired": sum(g.remaining for g in grants if g.expires_at <= now),
    }


def per_class(rows: list[str], test) -> Counter:
    """How many rows naming each class say what `test` looks for."""
    return Counter(name for row in rows for name in CLASS_NAMES if name in row and test(row))


def credits_page(client: Client) -> tuple[str, list[str]]:
    content = client.get(reverse("members:credits")).content.decode()
    rows = [readable(row) for row in re.findall(r'<tr class="ledger-out.*?</tr>', content, re.S)]
    return content, rows


def my_bookings_rows(client: Client) -> list[str]:
    content = client.get(reverse("bookings:mine")).content.decode()
    history = re.search(r'aria-labelledby="history-heading".*?</section>', content, re.S)
    return [readable(row) for row in re.findall(r"<tr>.*?</tr>", history.group(0), re.S)[1:]]


def admin_booking_rows(admin_client: Client, member: Member) -> tuple[str, list[str]]:
    url = reverse("admin:members_member_change", args=[member.pk])
    content = admin_client.get(url).content.decode()
    inline = re.search(r'id="bookings-group".*?</table>', content, re.S)
    rows = re.findall(r'<tr class="form-row.*?</tr>', inline.group(0), re.S) if inline else []
    return content, [readable(row) for row in rows]


def fingerprint(member: Member, now: datetime) -> tuple:
    """Everything the checks read about a member: unchanged, they need not run again."""
    return (
        [
            (*row, row[-1] <= now)
            for row in CreditGrant.objects.filter(member=member)
            .order_by("id")
            .values_list("id", "remaining", "expires_at")
        ],
        list(Booking.objects.filter(member=member).order_by("id").values_list()),
        Notification.objects.filter(member=member).count(),
        Delivery.objects.filter(status__in=["pending", "failed"]).count(),
        sum(1 for m in mail.outbox if m.to == [member.email]),
    )


def notices_disagree(member: Member, ledger: dict, sources: dict[str, list[str]]) -> list[str]:
    """Once every notice is delivered: each refund told once, each forfeit still in the
    ledger told (a forfeit refunded before its notice went out is not told), and no class's
    latest notice says she is booked when she holds no spot in it."""
    found = []
    for source, rows in sources.items():
        refunds, forfeits = per_class(rows, says_refunded), per_class(rows, says_forfeited)
        if refunds != ledger["refunded"]:
            found.append(
                f"{member.name}: {source} tell of refunds {dict(refunds)}, "
                f"the ledger {dict(ledger['refunded'])}"
            )
        if not ledger["forfeited"] <= forfeits <= ledger["late_cancelled"]:
            found.append(
                f"{member.name}: {source} tell of forfeits {dict(forfeits)}, the ledger "
                f"{dict(ledger['forfeited'])} of {dict(ledger['late_cancelled'])} cancelled late"
            )
    holds = set(
        Booking.objects.filter(member=member, status__in=SPOT_HOLDING_STATUSES).values_list(
            "fitness_class__name", flat=True
        )
    )
    latest = {}
    for notification in Notification.objects.filter(member=member).order_by("id"):
        latest[notification.fitness_class.name] = notification.kind
    for name, kind in latest.items():
        if kind in BOOKED_KINDS and name not in holds:
            found.append(f"{member.name}: the latest notice about {name} is {kind}, unbooked")
    return found


def disagreements(history: History, admin_client: Client, seen: dict) -> list[str]:
    found = []
    for member in history.members:
        now_seen = fingerprint(member, history.now)
        if seen.get(member.pk) == now_seen:
            continue
        seen[member.pk] = now_seen
        ledger = ledger_of(member, history.now)
        client = history.clients[member.name]
        credits_html, credit_rows = credits_page(client)
        mine = my_bookings_rows(client)
        admin_html, admin_rows = admin_booking_rows(admin_client, member)
        notices = [f"{n.title} {n.body}" for n in Notification.objects.filter(member=member)]
        emails = [f"{m.subject} {m.body}" for m in mail.outbox if m.to == [member.email]]
        sources = {
            "credits page": credit_rows,
            "My bookings": mine,
            "admin member page": admin_rows,
        }
        for source, rows in sources.items():
            for what, test in (("refunded", says_refunded), ("forfeited", says_forfeited)):
                said = per_class(rows, test)
                if said != ledger[what]:
                    found.append(
                        f"{member.name}: {source} says {what} {dict(said)}, "
                        f"the ledger {dict(ledger[what])}"
                    )
        if not Delivery.objects.filter(status__in=["pending", "failed"]).exists():
            found += notices_disagree(
                member, ledger, {"in-app notices": notices, "e-mails": emails}
            )
        page = readable(credits_html)
        balance = ledger["balance"]
        if f"{balance} credit{'s' if balance != 1 else ''} to spend" not in page:
            found.append(f"{member.name}: the credits page does not show a balance of {balance}")
        admin_page = readable(admin_html)
        if f"Spendable credits: {balance} " not in admin_page:
            found.append(f"{member.name}: the admin page does not show a balance of {balance}")
        for source, text in (("credits page", page), ("admin member page", admin_page)):
            expired = sum(int(n) for n in re.findall(r"(\d+) credits? expired unused", text))
            if expired != ledger["expired"]:
                found.append(
                    f"{member.name}: the {source} shows {expired} expired, the ledger "
                    f"{ledger['expired']}"
                )
    return found


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Three logins and a superuser per history: a fast hasher keeps the histories quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def history_setup(settings, monkeypatch, admin_client, request):
    settings.GYM_EVENT_DELIVERY = "worker"
    settings.GYM_WELCOME_CREDITS = 1
    # The histories span weeks of the gym's time (credits expire): everyone stays signed in.
    year = 365 * 24 * 60
    settings.GYM_SESSION_IDLE_MINUTES = settings.GYM_STAFF_SESSION_IDLE_MINUTES = year
    settings.GYM_SESSION_MAX_HOURS = year // 60
    settings.SESSION_COOKIE_AGE = year * 60

    def build(seed: int) -> History:
        rng = random.Random(seed)
        settings.GYM_LATE_CANCELLATION = rng.choice(["refuse", "forfeit"])
        from gymbooking.composition import services as built

        built.cache_clear()
        request.addfinalizer(built.cache_clear)
        history = History(seed, built(), rng)
        monkeypatch.setattr(timezone, "now", lambda: history.now)
        for name in MEMBER_NAMES:
            member = history.services.register_member.execute(name, f"{name.lower()}@example.com")
            user = create_login(name, str(member.email), "a-long-test-password")
            attach_login(member.id, user)
            client = Client()
            client.force_login(user)
            history.clients[name] = client
        history.members = list(Member.objects.order_by("name"))
        for name in CLASS_NAMES:
            starts_at = START + timedelta(hours=rng.randint(6, 24 * 6))
            history.classes.append(
                FitnessClassFactory(
                    name=name,
                    instructor="",
                    capacity=rng.randint(1, 3),
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=1),
                )
            )
        return history, rng

    return build


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed_{seed}")
def test_every_page_and_notice_agrees_with_the_ledger_over_a_random_history(
    seed, history_setup, admin_client
):
    history, rng = history_setup(seed)
    policy = history.services.policy.late_cancellation
    problems: dict[str, str] = {}  # each disagreement, with the steps that led to it
    seen: dict = {}  # what each member's pages were last checked against
    for _ in range(rng.randint(10, 20)):
        step(history, rng)
        for found in disagreements(history, admin_client, seen):
            problems.setdefault(found, "; ".join(history.steps))
    deliver_everything(history.services)  # the workers catch up at last
    for found in disagreements(history, admin_client, seen):
        problems.setdefault(found, "; ".join([*history.steps, "(workers caught up)"]))
    assert not problems, f"seed {seed}, late policy {policy}:\n" + "\n".join(
        f"- {found}\n  after: {steps}" for found, steps in problems.items()
    )
