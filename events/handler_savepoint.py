"""A delivery's handler runs in a savepoint of its own (`events.dispatcher`): on failure its
writes roll back while the delivery row stays locked until the failure is recorded. A unit of
work that a handler opens needs no second savepoint inside that one: the first it opens joins
the handler's, a round trip each way less per delivery (the promotion's)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_open: ContextVar[bool] = ContextVar("handler_savepoint_open", default=False)


@contextmanager
def handler_savepoint() -> Iterator[None]:
    """The block is a handler, run in the savepoint just opened for it."""
    token = _open.set(True)
    try:
        yield
    finally:
        _open.reset(token)


def join_handler_savepoint() -> bool:
    """True, once per handler, inside its savepoint: the caller's block may run in it
    (`atomic(savepoint=False)`). An error in that block leaves the transaction refusing
    statements until the handler's savepoint rolls back: the delivery fails, as it does when
    the error reaches the handler."""
    joined = _open.get()
    if joined:
        _open.set(False)
    return joined
