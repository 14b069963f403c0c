"""What keeps the event log's and the deliveries' admin lists fast at millions of rows.

A change list runs, besides its page of rows, a count (for the paginator) and the queries of
its filters. Over millions of rows each of those is a scan of the table, so here:

- `EstimatedCountPaginator` counts exactly only while the table is small (PostgreSQL's own
  estimate of its size, `pg_class.reltuples`); past that it asks the planner how many rows
  the list's query would return (EXPLAIN: from the table's statistics, no scan). On SQLite
  it counts. A large table's list totals are thus approximate, filtered or not: an exact
  count of even a few filtered rows would scan the table.
- The filters offer choices that need no query over the table: event types from the event
  registry; handlers from the latest deliveries only (a bounded read by primary key).
- The lists are ordered by an indexed column (events by `occurred_at`, deliveries by id, which
  grows with time), so the page of rows is read from an index, not sorted from a scan.
"""

import json
from functools import cached_property

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections

from events import registry
from events.models import Delivery

# While the table has fewer rows than this, counting is cheap: the list shows exact totals.
EXACT_COUNT_BELOW = 10_000
# The handler filter offers the handlers of this many of the latest deliveries.
RECENT_DELIVERIES_FOR_HANDLERS = 1_000


class EstimatedCountPaginator(Paginator):
    """A paginator whose count is the planner's estimate on PostgreSQL, for large lists."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connections[queryset.db].vendor != "postgresql":
            return super().count
        if table_estimate(queryset) < EXACT_COUNT_BELOW:
            return super().count
        return planner_estimate(queryset)


def table_estimate(queryset) -> int:
    """PostgreSQL's estimate of the rows in the queryset's table (one catalogue read; -1, so
    "small", for a table never analysed)."""
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def planner_estimate(queryset) -> int:
    """How many rows PostgreSQL's planner expects the queryset to return (one EXPLAIN,
    without running it)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EventTypeFilter(admin.SimpleListFilter):
    """By event type: every type the registry knows, without reading the log."""

    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted(registry.EVENT_TYPES)]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


class HandlerFilter(admin.SimpleListFilter):
    """By handler: those of the latest deliveries (a bounded read, not a DISTINCT over the
    table); a handler chosen by URL is filtered on even when it is not among them."""

    title = "handler"
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        recent = Delivery.objects.order_by("-pk").values_list("handler", flat=True)[
            :RECENT_DELIVERIES_FOR_HANDLERS
        ]
        names = set(recent)
        if self.value():
            names.add(self.value())
        return [(name, name) for name in sorted(names)]

    def queryset(self, request, queryset):
        return queryset.filter(handler=self.value()) if self.value() else queryset
