"""What the ORM adapters share to run their hot statements as SQL written once.

Building and compiling a queryset costs the ORM 0.3-1 ms of Python every time; booking and
cancelling run a dozen statements each, so the query builder, not the database, was most of
their cost. Their statements are therefore written as SQL and run through
`Model.objects.raw` (rows converted exactly as the ORM converts them: time zones, UUIDs) or
a cursor, with every value adapted by its own model field, as the ORM would adapt it.
"""

from collections.abc import Iterable, Mapping, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def _db():
    """The default connection itself: every access through `django.db.connection` looks
    it up again (an asgiref Local), which adds up over a row's values."""
    return connections[DEFAULT_DB_ALIAS]


def for_update() -> str:
    """The row lock clause, where the database has row locks (SQLite serialises writers)."""
    return " FOR UPDATE" if _db().features.has_select_for_update else ""


def values(model: type[Model], **fields: object) -> list[object]:
    """The values as the database takes them for these fields of `model`, in order."""
    meta, db = model._meta, _db()
    return [meta.get_field(name).get_db_prep_save(value, db) for name, value in fields.items()]


def db_values(model: type[Model], field: str, items: Iterable[object]) -> list[object]:
    """Several values of one field, adapted (an `IN` list)."""
    prepare, db = model._meta.get_field(field).get_db_prep_save, _db()
    return [prepare(item, db) for item in items]


def marks(count: int) -> str:
    """`count` parameter placeholders, comma-separated."""
    return ", ".join(["%s"] * count)


# Rows per INSERT at most (a class of a thousand cancelled at once writes thousands).
INSERT_BATCH = 500


def insert(
    model: type[Model],
    rows: Sequence[Mapping[str, object]],
    *,
    returning: str = "",
    skip_conflicting: bool = False,
) -> list[tuple]:
    """INSERT the rows (each with the same fields), in one statement per `INSERT_BATCH`
    rows (fewer where the database takes fewer parameters); the `returning` columns of the
    inserted rows, if asked for. With `skip_conflicting`, a row a unique constraint refuses
    is left out (and not returned) instead of failing the statement, and with it the
    transaction (no savepoint is needed to go on)."""
    if not rows:
        return []
    db = _db()
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    batch = max(1, min(INSERT_BATCH, db.ops.bulk_batch_size(fields, rows)))
    returned: list[tuple] = []
    with db.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = [
                field.get_db_prep_save(row[name], db)
                for row in chunk
                for field, name in zip(fields, row, strict=True)
            ]
            row_marks = ", ".join([f"({marks(len(fields))})"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({columns}) VALUES {row_marks}"
                + (" ON CONFLICT DO NOTHING" if skip_conflicting else "")
                + (f" RETURNING {returning}" if returning else ""),
                params,
            )
            if returning:
                returned += cursor.fetchall()
    return returned


def update(model: type[Model], pk: object, **fields: object) -> int:
    """UPDATE the row with primary key `pk`; how many rows there were (0 or 1)."""
    meta, db = model._meta, _db()
    assignments = ", ".join(
        f"{db.ops.quote_name(meta.get_field(name).column)} = %s" for name in fields
    )
    statement = f"UPDATE {meta.db_table} SET {assignments} WHERE {meta.pk.column} = %s"
    with db.cursor() as cursor:
        cursor.execute(statement, [*values(model, **fields), meta.pk.get_db_prep_save(pk, db)])
        return cursor.rowcount
