"""The security log: sign-ins, failed ones, lockouts, role and password changes, two-factor
changes and wrong codes, recorded in the event log (each in a transaction of its own, so a
refused sign-in's record stays whatever the request does next) and written as one line on
the security log.

`SECURITY_EVENTS` is the one list of what belongs to it: the admin's "Security log" shows
those types, its type filter offers them, the log line reads their label and level, and an
erasure scrubs their `PERSONAL_FIELDS`. To add a type:

1. define the event in `domain/events.py`, with no secret among its fields (no password,
   session key, token or one-time code), and the login it concerns as `user_id` and
   `username` (the admin shows them, an erasure scrubs `PERSONAL_FIELDS`);
2. add a `SecurityEventType` for it below;
3. record it where it happens: `services().record_security_event.execute(event)`.
"""

from dataclasses import dataclass
from typing import Protocol

from application.unit_of_work import UnitOfWorkFactory
from domain.events import (
    DomainEvent,
    GroupPermissionsChanged,
    LoginRoleChanged,
    PasswordChanged,
    RecoveryCodesRenewed,
    RecoveryCodeUsed,
    SecondFactorFailed,
    SignedIn,
    SignInFailed,
    SignInLockedOut,
    SignInRefused,
    TwoFactorRemoved,
    TwoFactorTurnedOn,
)


@dataclass(frozen=True)
class SecurityEventType:
    event_type: type[DomainEvent]
    label: str  # what happened, for the admin list and the log line
    warning: bool = False  # logged as a warning (an attempt refused), else as information

    @property
    def name(self) -> str:
        return self.event_type.__name__


SECURITY_EVENTS: tuple[SecurityEventType, ...] = (
    SecurityEventType(SignedIn, "Signed in"),
    SecurityEventType(SignInFailed, "Sign-in failed", warning=True),
    SecurityEventType(SignInLockedOut, "Locked out after failed sign-ins", warning=True),
    SecurityEventType(SignInRefused, "Sign-in refused: locked out", warning=True),
    SecurityEventType(PasswordChanged, "Password changed"),
    SecurityEventType(LoginRoleChanged, "Role changed"),
    SecurityEventType(GroupPermissionsChanged, "Group's permissions changed"),
    SecurityEventType(TwoFactorTurnedOn, "Two-factor sign-in turned on"),
    SecurityEventType(TwoFactorRemoved, "Two-factor sign-in removed"),
    SecurityEventType(RecoveryCodesRenewed, "New recovery codes made"),
    SecurityEventType(RecoveryCodeUsed, "Signed in with a recovery code"),
    SecurityEventType(SecondFactorFailed, "Wrong two-factor code", warning=True),
)
BY_NAME: dict[str, SecurityEventType] = {kind.name: kind for kind in SECURITY_EVENTS}
# Fields that say who somebody is or where she came from: an erasure scrubs them from the
# security events of the member erased.
PERSONAL_FIELDS = ("username", "client_ip")


def security_event_type(event: DomainEvent) -> SecurityEventType:
    kind = BY_NAME.get(type(event).__name__)
    if kind is None or kind.event_type is not type(event):
        raise ValueError(f"{type(event).__name__} is not a security event (SECURITY_EVENTS)")
    return kind


class SecurityLog(Protocol):
    """Where each security event is also written as a line (a logger, in production)."""

    def write(self, event: DomainEvent, kind: SecurityEventType) -> None: ...


class NoSecurityLog:
    """Writes nothing: for a gym built without a log (the in-memory one of the tests)."""

    def write(self, event: DomainEvent, kind: SecurityEventType) -> None:
        return None


def record_security_event(uow: UnitOfWorkFactory, log: SecurityLog, event: DomainEvent) -> None:
    """Record the event in a unit of work of its own, then write its line."""
    kind = security_event_type(event)
    with uow() as unit:
        unit.record(event)
    log.write(event, kind)


@dataclass(kw_only=True)
class RecordSecurityEventUseCase:
    """Something that belongs to the security log happened (see `SECURITY_EVENTS`)."""

    uow: UnitOfWorkFactory
    log: SecurityLog

    def execute(self, event: DomainEvent) -> None:
        record_security_event(self.uow, self.log, event)
