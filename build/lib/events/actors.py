"""Who caused what happens: a member, a staff user or the system, for the event log.

The actor is ambient (a context variable) so that use cases and domain events stay free of
it: a middleware sets it per request, event deliveries and commands run as the system.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    kind: str  # one of StoredEvent.ActorKind
    label: str
    user_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls("system", label)

    @classmethod
    def for_user(cls, user) -> "Actor":
        if not user.is_authenticated:
            return cls.system("anonymous request")
        kind = "staff" if user.is_staff else "member"
        return cls(kind, user.get_username(), user.pk)


# A function rather than an Actor, so a request's user is only loaded if an event is recorded.
_current: ContextVar[Callable[[], Actor]] = ContextVar("actor", default=Actor.system)


def current_actor() -> Actor:
    return _current.get()()


@contextmanager
def acting_as(actor: Actor | Callable[[], Actor]) -> Iterator[None]:
    token = _current.set(actor if callable(actor) else lambda: actor)
    try:
        yield
    finally:
        _current.reset(token)


class ActorMiddleware:
    """Everything a request changes is recorded as done by its user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(lambda: Actor.for_user(request.user)):
            return self.get_response(request)
