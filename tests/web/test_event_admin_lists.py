"""The admin lists of tables that grow for ever (the event log, deliveries, bookings, the
credit ledger) at millions of rows: the paginator takes PostgreSQL's estimate instead of
counting a large list, and counts exactly a small one (and on SQLite).
benchmarks/admin_lists.py measures the event pages at 10 thousand and a million rows."""

import pytest
from django.db import connection
from django.urls import reverse

from events.models import StoredEvent
from web import admin_lists
from web.admin_lists import EstimatedCountPaginator

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def test_a_small_list_is_counted_exactly(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert EstimatedCountPaginator(StoredEvent.objects.all(), 50).count == 0


@on_postgresql
def test_a_large_list_on_postgresql_shows_the_planner_s_estimate_without_counting(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(admin_lists, "table_estimate", lambda queryset: 3_000_000)
    monkeypatch.setattr(admin_lists, "planner_estimate", lambda queryset: 2_000_000)

    with django_assert_num_queries(0):
        paginator = EstimatedCountPaginator(StoredEvent.objects.all(), 50)
        assert paginator.count == 2_000_000
        assert paginator.num_pages == 40_000


@on_postgresql
def test_a_filtered_list_of_a_large_table_is_estimated_too(monkeypatch):
    monkeypatch.setattr(admin_lists, "table_estimate", lambda queryset: 3_000_000)

    paginator = EstimatedCountPaginator(StoredEvent.objects.filter(type="X"), 50)

    assert paginator.count >= 0  # the planner's guess: no COUNT over millions of rows


@on_postgresql
def test_each_estimate_is_one_cheap_query(django_assert_num_queries):
    with django_assert_num_queries(2):
        assert admin_lists.table_estimate(StoredEvent.objects.all()) <= 0
        assert admin_lists.planner_estimate(StoredEvent.objects.filter(type="X")) >= 0


@on_postgresql
@pytest.mark.parametrize(
    "changelist",
    [
        "admin:events_storedevent_changelist",
        "admin:events_delivery_changelist",
        "admin:bookings_booking_changelist",
        "admin:members_creditgrant_changelist",
    ],
)
def test_the_lists_of_tables_that_grow_for_ever_estimate_their_totals(
    admin_client, monkeypatch, changelist
):
    # given tables PostgreSQL believes hold three million rows
    monkeypatch.setattr(admin_lists, "table_estimate", lambda queryset: 3_000_000)
    monkeypatch.setattr(admin_lists, "planner_estimate", lambda queryset: 2_000_000)

    # when staff open the list
    response = admin_client.get(reverse(changelist))

    # then its total is the planner's estimate, not a count
    assert response.context["cl"].result_count == 2_000_000
