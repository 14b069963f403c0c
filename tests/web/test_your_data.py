"""The "Your data" page: a signed-in member downloads everything kept about her, as JSON or as
a ZIP of CSV files, never cached, and never anybody else's data."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from domain.fees import FeeKind
from events.actors import Actor, acting_as
from notifications.models import Notification
from sales.models import Fee, Refund
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    DeliveryFactory,
    FitnessClassFactory,
    MembershipFactory,
    PurchaseFactory,
    StoredEventFactory,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("members:your_data")
DOWNLOAD = reverse("members:download_data")
SECTIONS = (
    "profile",
    "bookings",
    "waitlists",
    "credits",
    "purchases",
    "fees",
    "memberships",
    "notifications",
    "emails",
    "events",
)


@pytest.fixture
def histories(services, member, other_member):
    """Ana and Ben, each with a booking, a waitlist place, credits, a notice, an e-mail and
    events; every text of Ben's says "BEN-ONLY"."""
    now = timezone.now()
    for person, mark in ((member, "ana"), (other_member, "BEN-ONLY")):
        CreditGrantFactory(member=person, amount=3, reason=f"Pack {mark}")
        spin = FitnessClassFactory(name=f"Spin {mark}", starts_at=now + timedelta(days=2))
        full = FitnessClassFactory(name=f"Yoga {mark}", capacity=1)
        BookingFactory(fitness_class=full)
        with acting_as(Actor.for_user(person.user)):
            services.book_class.execute(str(person.pk), str(spin.pk))
            services.join_waitlist.execute(str(person.pk), str(full.pk))
        Notification.objects.create(
            member=person, kind="booking_confirmed", title=f"You're booked {mark}"
        )
        event = StoredEventFactory(member_id=person.pk, payload={"member_id": str(person.pk)})
        DeliveryFactory(event=event, queue="mail", status="delivered")
    past = FitnessClassFactory(name="Old Pilates", starts_at=now - timedelta(days=5))
    BookingFactory(member=member, fitness_class=past, status="no_show")
    return member, other_member


def download(client, chosen):
    response = client.post(DOWNLOAD, {"format": chosen})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def test_the_page_offers_both_downloads_and_is_linked_from_every_member_page(member_client):
    response = member_client.get(reverse("members:credits"))
    assert f'href="{PAGE}"' in response.content.decode()

    page = member_client.get(PAGE).content.decode()

    assert 'value="json"' in page and 'value="csv"' in page
    assert f'action="{DOWNLOAD}"' in page


def test_the_json_download_holds_every_section_of_her_data(member_client, histories):
    ana, _ = histories

    data = json.loads(download(member_client, "json"))

    assert set(SECTIONS) <= data.keys()
    assert data["profile"]["email"] == "ana@example.com"
    assert data["profile"]["spendable_credits"] == 2
    statuses = {row["class_name"]: row["status"] for row in data["bookings"]}
    assert statuses == {"Spin ana": "confirmed", "Old Pilates": "no_show"}
    [place] = data["waitlists"]
    assert (place["class_name"], place["outcome"], place["position_now"]) == (
        "Yoga ana",
        "waiting",
        1,
    )
    assert place["position_when_joined"] == 1
    kinds = sorted(line["kind"] for line in data["credits"])
    assert kinds == ["grant", "spent"]
    assert [notice["title"] for notice in data["notifications"]] == ["You're booked ana"]
    # the booking's "You're booked" waits for a mail worker; the other was sent
    assert sorted(mail["status"] for mail in data["emails"]) == ["delivered", "pending"]
    types = {event["type"] for event in data["events"]}
    assert {"BookingConfirmed", "MemberJoinedWaitlist"} <= types
    booked = [event for event in data["events"] if event["type"] == "BookingConfirmed"]
    assert {event["caused_by"] for event in booked} == {"you", "system"}
    assert all(event["payload"].get("member_id") in (None, str(ana.pk)) for event in data["events"])


def test_a_waitlist_place_she_left_is_in_the_export_with_why(services, member_client, histories):
    ana, _ = histories
    [entry] = ana.waitlist_entries.all()
    services.leave_waitlist.execute(str(ana.pk), str(entry.fitness_class_id))

    [place] = json.loads(download(member_client, "json"))["waitlists"]

    assert place["outcome"] == "left the waitlist"
    assert place["ended_at"] and place["position_now"] is None


def test_the_csv_download_is_a_zip_of_one_table_per_section(member_client, histories):
    archive = zipfile.ZipFile(io.BytesIO(download(member_client, "csv")))

    assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in SECTIONS)
    bookings = list(csv.DictReader(io.TextIOWrapper(archive.open("bookings.csv"), "utf-8")))
    assert {row["class_name"] for row in bookings} == {"Spin ana", "Old Pilates"}
    [profile] = csv.DictReader(io.TextIOWrapper(archive.open("profile.csv"), "utf-8"))
    assert profile["name"] == "Ana"


@pytest.mark.parametrize("chosen", ["json", "csv"])
def test_another_members_data_never_appears(member_client, histories, chosen):
    ben = histories[1]

    body = download(member_client, chosen)

    if chosen == "csv":
        archive = zipfile.ZipFile(io.BytesIO(body))
        body = b"".join(archive.read(name) for name in archive.namelist())
    assert b"BEN-ONLY" not in body
    assert str(ben.pk).encode() not in body
    assert b"ben@example.com" not in body


def test_an_unknown_format_is_refused_with_a_message(member_client):
    response = member_client.post(DOWNLOAD, {"format": "xml"}, follow=True)

    assert response.redirect_chain[-1][0] == PAGE
    assert "Choose JSON or CSV" in response.content.decode()


def test_the_download_needs_a_signed_in_member_and_a_post(member_client):
    assert Client().post(DOWNLOAD, {"format": "json"}).status_code == 302
    assert member_client.get(DOWNLOAD).status_code == 405


@pytest.fixture
def money(member, other_member):
    """Ana bought a pack, partly refunded with a credit taken back, owes a no-show fee and
    holds a membership frozen once; Ben bought a pack too."""
    purchase = PurchaseFactory(credit_grant__member=member, product__name="Ten classes")
    Refund.objects.create(
        purchase=purchase,
        amount=Decimal("20.00"),
        tax=Decimal("3.33"),
        credits_withdrawn=1,
        payment_method="cash",
        reason="Moved away",
        recorded_by="Dee Desk",
        refunded_at=timezone.now(),
    )
    booking = BookingFactory(member=member, status="no_show")
    Fee.objects.create(
        member=member,
        booking=booking,
        fitness_class=booking.fitness_class,
        kind=FeeKind.NO_SHOW,
        amount=Decimal("8.00"),
        currency="EUR",
        imposed_at=timezone.now(),
    )
    MembershipFactory(member=member, plan__name="Monthly 8", freezes=[["2026-03-02", "2026-03-08"]])
    PurchaseFactory(credit_grant__member=other_member, product__name="BEN-ONLY pack")
    return purchase


def test_the_export_holds_her_purchases_with_refunds_fees_and_memberships_with_freezes(
    member_client, money
):
    data = json.loads(download(member_client, "json"))

    [purchase] = data["purchases"]
    assert purchase["product"] == "Ten classes"
    assert purchase["purchase_id"] == str(money.pk)
    assert purchase["refunded"] == "20.00"
    [refund] = purchase["refunds"]
    assert refund["credits_withdrawn"] == 1 and refund["reason"] == "Moved away"
    [fee] = data["fees"]
    assert (fee["kind"], fee["amount"], fee["status"]) == ("No-show", "8.00", "Owed")
    [membership] = data["memberships"]
    assert membership["plan"] == "Monthly 8"
    assert membership["allowance"] == "8 a month"
    assert membership["freezes"] == [{"first_day": "2026-03-02", "last_day": "2026-03-08"}]


def test_the_csv_download_has_her_money_tables_and_nobody_else_s(member_client, money):
    archive = zipfile.ZipFile(io.BytesIO(download(member_client, "csv")))

    purchases = list(csv.DictReader(io.StringIO(archive.read("purchases.csv").decode())))
    memberships = archive.read("memberships.csv").decode()
    assert [row["product"] for row in purchases] == ["Ten classes"]
    assert "Moved away" in purchases[0]["refunds"]
    assert "2026-03-08" in memberships
    assert b"BEN-ONLY" not in archive.read("purchases.csv")
