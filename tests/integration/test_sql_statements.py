"""The SQL written once for the hot paths (`events.sql`) stores what the ORM would store."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import sql
from events.models import Delivery, StoredEvent
from members.models import CreditGrant
from tests.factories import member_with_credits

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)


def event_row(n: int) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "type": "BenchmarkPinged",
        "schema_version": 1,
        "payload": {"n": n, "note": "é \" ' ;"},
        "occurred_at": NOW,
        "recorded_at": NOW,
        "actor_kind": "system",
        "actor_user_id": None,
        "actor_label": "",
        "class_id": None,
        "member_id": None,
    }


def test_inserted_rows_read_back_through_the_orm_as_written():
    row = event_row(1)

    sql.insert(StoredEvent, [row])

    stored = StoredEvent.objects.get(pk=row["id"])
    assert (stored.payload, stored.occurred_at, stored.type) == (
        {"n": 1, "note": "é \" ' ;"},
        NOW,
        "BenchmarkPinged",
    )


def test_many_rows_go_in_batches_and_every_returned_column_comes_back():
    rows = [event_row(n) for n in range(sql.INSERT_BATCH * 2 + 1)]
    sql.insert(StoredEvent, rows)
    deliveries = [
        {
            "event_id": row["id"],
            "handler": "Benchmark.noop",
            "queue": "fast",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": NOW,
            "last_error": "",
            "created_at": NOW,
            "superseded_reason": "",
        }
        for row in rows
    ]

    with CaptureQueriesContext(connection) as statements:
        returned = sql.insert(Delivery, deliveries, returning="id")

    assert len(statements.captured_queries) >= 3  # batches of at most INSERT_BATCH rows
    assert sorted(pk for (pk,) in returned) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert len(returned) == len(rows)


def test_an_update_says_whether_the_row_was_there():
    grant = member_with_credits(2).credit_grants.get()

    assert sql.update(CreditGrant, grant.pk, remaining=1, expires_at=NOW + timedelta(days=1)) == 1
    assert sql.update(CreditGrant, uuid.uuid4(), remaining=1) == 0

    grant.refresh_from_db()
    assert (grant.remaining, grant.expires_at) == (1, NOW + timedelta(days=1))
