"""What the ORM adapters share to run their hot statements as SQL written once.

Building and compiling a queryset costs the ORM 0.3-1 ms of Python every time; booking and
cancelling run a dozen statements each, so the query builder, not the database, was most of
their cost. Their statements are therefore written as SQL and run through a cursor: rows
come back as named tuples, each column converted by its own model field exactly as the ORM
converts it (`select`: time zones, UUIDs, JSON), and every value sent is adapted by its own
model field, as the ORM would adapt it.
"""

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model


def _db():
    """The default connection itself: every access through `django.db.connection` looks
    it up again (an asgiref Local), which adds up over a row's values."""
    return connections[DEFAULT_DB_ALIAS]


def for_update(of: str = "") -> str:
    """The row lock clause, where the database has row locks (SQLite serialises writers);
    with `of`, the rows of that table (alias) alone, not those joined to them."""
    features = _db().features
    if not features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {of}" if of and features.has_select_for_update_of else " FOR UPDATE"


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


def select(model: type[Model], query: str, params: Sequence[object]) -> list[tuple]:
    """The rows of `query`, each a named tuple of its columns, every column of `model`
    converted as the ORM converts it (time zones, UUIDs, JSON) and named by its attribute
    (`member_id`); other columns as the driver returns them.

    What `Model.objects.raw` gives without building a model instance per row: that, not the
    database, was most of the cost of reading a booking or a member."""
    db = _db()
    with db.cursor() as cursor:
        cursor.execute(query, params)
        columns = tuple(column[0] for column in cursor.description)
        rows = cursor.fetchall()
    shape, converters = _reading(db, model, columns)
    if converters:
        rows = [_converted(row, converters, db) for row in rows]
    return [shape._make(row) for row in rows]


type _Converters = tuple[tuple[int, tuple[Callable, ...], object], ...]
# Per connection (the backend's converters are bound to it): per model and columns, the row
# type and the converters of each column that has any.
_readers: WeakKeyDictionary = WeakKeyDictionary()


def _reading(db, model: type[Model], columns: tuple[str, ...]) -> tuple[type, _Converters]:
    known = _readers.setdefault(db, {})
    key = (model, columns)
    if key not in known:
        by_column = {field.column: field for field in model._meta.concrete_fields}
        names, converters = [], []
        for index, column in enumerate(columns):
            field = by_column.get(column)
            names.append(column if field is None else field.attname)
            if field is None:
                continue
            expression = field.get_col(model._meta.db_table)
            found = db.ops.get_db_converters(expression) + expression.get_db_converters(db)
            if found:
                converters.append((index, tuple(found), expression))
        known[key] = (_row_type(tuple(names)), tuple(converters))
    return known[key]


@cache
def _row_type(names: tuple[str, ...]) -> type:
    return namedtuple("Row", names, rename=True)  # a column no identifier can name: _<n>


def _converted(row: tuple, converters: _Converters, db) -> list[object]:
    values = list(row)
    for index, functions, expression in converters:
        value = values[index]
        for function in functions:
            value = function(value, expression, db)
        values[index] = value
    return values


@cache
def _fields(model: type[Model], names: tuple[str, ...]) -> tuple[Field, ...]:
    return tuple(model._meta.get_field(name) for name in names)


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
    batch = _batch_size(db, model, rows)
    returned: list[tuple] = []
    with db.cursor() as cursor:
        for start in range(0, len(rows), batch):
            statement, params = _inserting(db, model, rows[start : start + batch])
            cursor.execute(
                statement
                + (" ON CONFLICT DO NOTHING" if skip_conflicting else "")
                + (f" RETURNING {returning}" if returning else ""),
                params,
            )
            if returning:
                returned += cursor.fetchall()
    return returned


def insert_both(
    first: type[Model],
    first_rows: Sequence[Mapping[str, object]],
    then: type[Model],
    rows: Sequence[Mapping[str, object]],
    *,
    returning: str,
) -> list[tuple]:
    """INSERT `first_rows`, then `rows` (which may refer to them); the `returning` columns
    of `rows`. One statement where the database runs an INSERT inside a `WITH` (PostgreSQL)
    and each fits in one: a round trip less on every change that records events. Foreign
    keys are checked at commit there (Django makes them deferrable), so the second INSERT
    may refer to rows of the first."""
    db = _db()
    fits = (
        db.vendor == "postgresql"
        and first_rows
        and rows
        and len(first_rows) <= _batch_size(db, first, first_rows)
        and len(rows) <= _batch_size(db, then, rows)
    )
    if not fits:
        insert(first, first_rows)
        return insert(then, rows, returning=returning)
    before, before_params = _inserting(db, first, first_rows)
    statement, params = _inserting(db, then, rows)
    with db.cursor() as cursor:
        cursor.execute(
            f"WITH inserted_first AS ({before}) {statement} RETURNING {returning}",
            [*before_params, *params],
        )
        return cursor.fetchall()


def _batch_size(db, model: type[Model], rows: Sequence[Mapping[str, object]]) -> int:
    fields = _fields(model, tuple(rows[0]))
    return max(1, min(INSERT_BATCH, db.ops.bulk_batch_size(fields, rows)))


def _inserting(
    db, model: type[Model], rows: Sequence[Mapping[str, object]]
) -> tuple[str, list[object]]:
    """The INSERT of `rows` (each with the same fields) and its parameters."""
    names = tuple(rows[0])
    fields = _fields(model, names)
    params = [
        field.get_db_prep_save(row[name], db)
        for row in rows
        for field, name in zip(fields, names, strict=True)
    ]
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    row_marks = ", ".join([f"({marks(len(fields))})"] * len(rows))
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES {row_marks}", params


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
