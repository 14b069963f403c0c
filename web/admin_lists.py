"""What keeps an admin change list of a table with millions of rows fast: its count.

A change list runs, besides its page of rows, a count for the paginator; over millions of rows
that count is a scan of the table. `EstimatedCountPaginator` counts exactly only while the
table is small (PostgreSQL's own estimate of its size, `pg_class.reltuples`); past that it
asks the planner how many rows the list's query would return (EXPLAIN: from the table's
statistics, no scan). On SQLite it counts. A large table's list totals are thus
approximate, filtered or not: an exact count of even a few filtered rows would scan the table.
"""

import json
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections

# While the table has fewer rows than this, counting is cheap: the list shows exact totals.
EXACT_COUNT_BELOW = 10_000


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
