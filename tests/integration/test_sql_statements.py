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
    deliveries = [delivery_row(row["id"], "Benchmark.noop") for row in rows]

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


def delivery_row(event_id: object, handler: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "handler": handler,
        "queue": "fast",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": NOW,
        "last_error": "",
        "created_at": NOW,
        "superseded_reason": "",
    }


def test_selected_rows_come_back_converted_as_the_orm_converts_them():
    row = {**event_row(7), "member_id": uuid.uuid4()}
    sql.insert(StoredEvent, [row])
    (pk,) = sql.insert(Delivery, [delivery_row(row["id"], "Benchmark.noop")], returning="id")[0]

    (read,) = sql.select(
        StoredEvent,
        "SELECT e.*, d.id AS delivery_id FROM events_storedevent e"
        " JOIN events_delivery d ON d.event_id = e.id WHERE e.id = %s",
        sql.values(StoredEvent, id=row["id"]),
    )

    # named by attribute, typed as the ORM types them (a UUID, an aware time, the JSON)
    orm = StoredEvent.objects.get(pk=row["id"])
    assert (read.id, read.member_id, read.occurred_at, read.payload, read.actor_user_id) == (
        orm.id,
        orm.member_id,
        orm.occurred_at,
        orm.payload,
        None,
    )
    assert read.occurred_at == NOW and read.occurred_at.utcoffset() == timedelta(0)
    # and a column that is not the model's comes back as the database gave it
    assert read.delivery_id == pk


def test_events_and_their_deliveries_go_in_together_and_the_deliveries_come_back():
    events = [event_row(n) for n in range(2)]
    deliveries = [delivery_row(e["id"], handler) for e in events for handler in ("a", "b")]

    with CaptureQueriesContext(connection) as statements:
        returned = sql.insert_both(StoredEvent, events, Delivery, deliveries, returning="id")

    # one statement where an INSERT may sit inside a WITH (PostgreSQL), two elsewhere
    assert len(statements.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert sorted(pk for (pk,) in returned) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert Delivery.objects.filter(event_id__in=[e["id"] for e in events]).count() == 4
    assert StoredEvent.objects.filter(pk__in=[e["id"] for e in events]).count() == 2
