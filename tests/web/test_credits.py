"""The credits page: the spendable balance, each unexpired grant with its expiry, and the
history of credits in (purchases, gifts, refunds) and out (each booking that spent one),
newest first — in a constant number of queries however long the history."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from domain.entities import BookingStatus
from domain.sales import Money, PaymentMethod
from members.queries import HISTORY_LIMIT
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    MembershipFactory,
    ProductFactory,
    limited_to,
)

pytestmark = pytest.mark.django_db

CREDITS = reverse("members:credits")

# session, user with her member; the spendable grants, the newest grants, the newest bookings
# that spent a credit (with their class); the newest withdrawals (one more since refunds take
# credits back); the unread-notification count in the header.
CREDITS_PAGE_QUERIES = 7


def text_of(fragment: str) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", fragment)
    return " ".join(html.unescape(without_tags).split())


def ledger_rows(response) -> list[str]:
    """The history table's rows, as read, newest first."""
    content = response.content.decode()
    return [text_of(row) for row in re.findall(r'<tr class="ledger-.*?</tr>', content, re.S)]


def grant_lines(response) -> list[str]:
    content = response.content.decode()
    grants = re.search(r'<ul class="credit-grants">(.*?)</ul>', content, re.S)
    return [text_of(item) for item in re.findall(r"<li>(.*?)</li>", grants.group(1), re.S)]


def day_month(moment) -> str:
    """“12 December” in the gym's time zone (with the year when it is not this year's)."""
    local = timezone.localtime(moment)
    label = f"{local.day} {local:%B}"
    return label if local.year == timezone.localdate().year else f"{label} {local.year}"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(CREDITS)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_login_without_a_member_profile_is_told_so_not_sent_to_not_found(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_user(username="no-profile"))

    response = client.get(CREDITS)

    assert response.status_code == 403
    assert "Your login has no member account" in response.content.decode()


def test_a_member_without_credits_is_told_so(member_client):
    response = member_client.get(CREDITS)

    assert response.status_code == 200
    page = text_of(response.content.decode())
    assert "0 credits to spend" in page
    assert "You have no credits to spend." in page
    assert "Nothing yet" in page


def test_each_limited_grant_says_what_it_pays_for_and_an_open_one_says_nothing(
    member_client, member, django_assert_max_num_queries
):
    # given an open grant and one for Yoga or Pilates at Old Town only
    now = timezone.now()
    open_grant = CreditGrantFactory(
        member=member, amount=2, expires_at=now + timedelta(days=5), reason="Gift"
    )
    limited = CreditGrantFactory(
        member=member,
        amount=3,
        expires_at=now + timedelta(days=9),
        reason="3 Yoga classes",
        scope=limited_to(locations=("Old Town",), class_names=("Yoga", "Pilates")),
    )

    # when she opens her credits (one query more: the names of the limited grant's
    # locations, kept by id)
    with django_assert_max_num_queries(CREDITS_PAGE_QUERIES + 1):
        response = member_client.get(CREDITS)

    # then the limited grant names its classes and locations; the open one limits nothing
    assert grant_lines(response) == [
        f"2 credits expire on {day_month(open_grant.expires_at)} (Gift)",
        "3 credits for Yoga or Pilates at Old Town only expire on"
        f" {day_month(limited.expires_at)} (3 Yoga classes)",
    ]


def test_the_page_shows_the_balance_each_grant_with_its_expiry_and_the_history(
    member_client, member, other_member
):
    # given
    now = timezone.now()
    pack = CreditGrantFactory(
        member=member,
        amount=10,
        remaining=3,
        granted_at=now - timedelta(days=20),
        expires_at=now + timedelta(days=10),
        reason="10-class pack",
    )
    refund = CreditGrantFactory(
        member=member,
        amount=1,
        remaining=1,
        granted_at=now - timedelta(days=2),
        expires_at=now + timedelta(days=28),
        reason="Refund: Yoga",
    )
    expired = CreditGrantFactory(
        member=member,
        amount=2,
        remaining=2,
        granted_at=now - timedelta(days=60),
        expires_at=now - timedelta(days=30),
        reason="Trial pack",
    )
    CreditGrantFactory(
        member=member,
        amount=1,
        remaining=0,
        granted_at=now - timedelta(days=40),
        expires_at=now + timedelta(days=1),
        reason="",
    )
    spin = FitnessClassFactory(name="Spin", starts_at=now + timedelta(days=3))
    yoga = FitnessClassFactory(name="Yoga", starts_at=now + timedelta(days=4))
    hiit = FitnessClassFactory(name="HIIT", starts_at=now - timedelta(days=5))
    BookingFactory(
        member=member, fitness_class=spin, credit_grant=pack, created_at=now - timedelta(days=1)
    )
    BookingFactory(
        member=member,
        fitness_class=yoga,
        credit_grant=pack,
        created_at=now - timedelta(days=3),
        status=BookingStatus.CANCELLED.value,
        refund_grant=refund,
    )
    BookingFactory(
        member=member,
        fitness_class=hiit,
        credit_grant=pack,
        created_at=now - timedelta(days=6),
        status=BookingStatus.LATE_CANCELLED.value,
    )
    # someone else's credits and bookings are not shown
    other_grant = CreditGrantFactory(member=other_member, amount=7, reason="Someone else's")
    BookingFactory(member=other_member, credit_grant=other_grant, fitness_class=spin)

    # when
    response = member_client.get(CREDITS)

    # then the balance counts only what can be spent
    assert response.status_code == 200
    page = text_of(response.content.decode())
    assert "4 credits to spend" in page
    # each unexpired grant, soonest expiry first
    assert grant_lines(response) == [
        f"3 credits expire on {day_month(pack.expires_at)} (10-class pack)",
        f"1 credit expires on {day_month(refund.expires_at)} (Refund: Yoga)",
    ]
    # the history, newest first: grants in, bookings out
    rows = ledger_rows(response)
    assert len(rows) == 7
    spin_at = timezone.localtime(spin.starts_at)
    assert rows[0].endswith(
        f"Booked Spin, {spin_at:%a} {spin_at.day} {spin_at:%B %Y, %H:%M} \N{MINUS SIGN}1"
    )
    assert rows[1].endswith("Refund: Yoga +1")
    assert "Booked Yoga" in rows[2] and "Cancelled, credit refunded" in rows[2]
    assert "Booked HIIT" in rows[3] and "Cancelled late, credit not refunded" in rows[3]
    assert rows[4].endswith("10-class pack +10")
    assert rows[5].endswith("Credits added +1")
    assert "Trial pack" in rows[6]
    assert f"2 credits expired unused on {day_month(expired.expires_at)}" in rows[6]
    assert "Someone else's" not in page


def test_bookings_of_a_cancelled_class_say_the_credit_came_back(member_client, member):
    now = timezone.now()
    grant = CreditGrantFactory(member=member, amount=1, remaining=0)
    refund = CreditGrantFactory(member=member, reason="Refund: Pilates", granted_at=now)
    cancelled = FitnessClassFactory(name="Pilates", cancelled_at=now)
    BookingFactory(
        member=member,
        fitness_class=cancelled,
        credit_grant=grant,
        status=BookingStatus.CANCELLED.value,
        cancelled_at=now,
        refund_grant=refund,
    )

    rows = ledger_rows(member_client.get(CREDITS))

    [booking_row] = [row for row in rows if "Booked Pilates" in row]
    assert "Class cancelled, credit refunded" in booking_row


def test_a_cancellation_the_ledger_has_no_refund_for_says_not_refunded(member_client, member):
    # given a cancelled booking whose credit no grant gave back (e.g. a late cancellation of
    # a class the gym then cancelled, before such credits were refunded)
    grant = CreditGrantFactory(member=member, amount=1, remaining=0)
    cancelled = FitnessClassFactory(name="Pilates", cancelled_at=timezone.now())
    BookingFactory(
        member=member,
        fitness_class=cancelled,
        credit_grant=grant,
        status=BookingStatus.LATE_CANCELLED.value,
        cancelled_at=timezone.now() - timedelta(hours=1),
    )

    [booking_row, _grant_row] = ledger_rows(member_client.get(CREDITS))

    # then the page says what the ledger says, not what the class's cancellation suggests
    assert "Booked Pilates" in booking_row
    assert "Cancelled late, credit not refunded" in booking_row
    assert "credit refunded" not in booking_row.replace("not refunded", "")


def test_a_long_history_shows_the_newest_entries_and_says_so(member_client, member):
    now = timezone.now()
    for days_ago in range(HISTORY_LIMIT + 5):
        CreditGrantFactory(
            member=member, granted_at=now - timedelta(days=days_ago), reason=f"Gift {days_ago}"
        )

    response = member_client.get(CREDITS)

    rows = ledger_rows(response)
    assert len(rows) == HISTORY_LIMIT
    assert rows[0].endswith("Gift 0 +1")
    assert f" Gift {HISTORY_LIMIT - 1} " in rows[-1]
    assert f"the latest {HISTORY_LIMIT} entries" in text_of(response.content.decode())


def _fill_history(member, size: int) -> None:
    """`size` grants, and `size` bookings spending from them, each in a class of its own."""
    now = timezone.now()
    for number in range(size):
        grant = CreditGrantFactory(
            member=member, amount=2, remaining=1, granted_at=now - timedelta(hours=number)
        )
        BookingFactory(
            member=member,
            credit_grant=grant,
            created_at=now - timedelta(hours=number, minutes=30),
            fitness_class=FitnessClassFactory(starts_at=now + timedelta(hours=number)),
        )


@pytest.mark.parametrize("size", [5, 200])
def test_the_credits_page_runs_the_same_queries_for_5_and_200_entries(
    member_client, member, django_assert_num_queries, size
):
    # given
    _fill_history(member, size)

    # when / then
    with django_assert_num_queries(CREDITS_PAGE_QUERIES):
        response = member_client.get(CREDITS)
    assert response.status_code == 200
    assert f"{size} credits to spend" in text_of(response.content.decode())
    assert len(ledger_rows(response)) == min(2 * size, HISTORY_LIMIT)


def test_a_refund_s_withdrawal_is_in_the_history_which_adds_up_to_the_balance(
    services, member, member_client
):
    # given: a pack of 5, one credit spent on a class, the pack refunded with 3 of its 4
    # unspent credits taken back, and a class her membership paid
    pack = ProductFactory(name="Five classes", credits=5, price=Decimal("45.00"))
    sold = services.sell_product.execute(
        str(member.pk), str(pack.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    spin = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(days=2))
    services.book_class.execute(str(member.pk), str(spin.pk))
    services.refund_purchase.execute(
        sold.purchase_id,
        Money(Decimal("27.00"), "EUR"),
        reason="Moved",
        recorded_by="Max",
        credits=3,
    )
    BookingFactory(
        member=member,
        membership=MembershipFactory(member=member),
        fitness_class=FitnessClassFactory(name="Yoga on the membership"),
    )

    # when
    response = member_client.get(CREDITS)

    # then
    rows = ledger_rows(response)
    assert "Credits taken back" in rows[0] and "Booked Spin" in rows[1]
    assert "Refund: Five classes" in rows[0] and rows[0].endswith("\N{MINUS SIGN}3")
    assert not [row for row in rows if "Yoga on the membership" in row]
    history = response.context["overview"].history
    assert [entry.change for entry in history] == [-3, -1, 5]
    assert sum(entry.change for entry in history) == response.context["overview"].balance == 1
