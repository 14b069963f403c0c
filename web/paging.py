"""A page of a long list: the page asked for, and its rows read one past its end, so that
knowing whether a later page exists needs no count of the whole list."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest

# Larger page numbers are refused as malformed (no list shown here is that long).
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Window[T]:
    rows: list[T]
    page: int
    earlier: int | None  # the previous page's number, or None on the first
    later: int | None  # the next page's number, or None on the last


def requested_page(request: HttpRequest) -> int | None:
    """The 1-based `?page=` asked for; None when none is, 1 when it is not a page number."""
    value = request.GET.get("page")
    if value is None:
        return None
    if value.isascii() and value.isdecimal() and 0 < int(value) <= MAX_PAGE:
        return int(value)
    return 1


def window[T](rows: QuerySet[T], page: int, size: int) -> Window[T]:
    """Page `page` of `rows` (ordered), `size` rows a page: one query."""
    offset = (page - 1) * size
    return window_of(list(rows[offset : offset + size + 1]), page, size)


def window_of[T](shown: list[T], page: int, size: int) -> Window[T]:
    """Page `page`, from the rows read for it: up to `size + 1` rows from its start."""
    return Window(
        rows=shown[:size],
        page=page,
        earlier=page - 1 if page > 1 else None,
        later=page + 1 if len(shown) > size else None,
    )
