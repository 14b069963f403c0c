"""The event log's and deliveries' lists at millions of rows: the paginator takes PostgreSQL's
estimate instead of counting a large list, and counts exactly a small one (and on SQLite).
benchmarks/admin_lists.py measures the pages at 10 thousand and a million rows."""

import pytest
from django.db import connection

from events import admin_lists
from events.admin_lists import EstimatedCountPaginator
from events.models import StoredEvent

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
