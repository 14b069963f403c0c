"""Sign-ins and role changes, recorded in the security log (application/security.py).

From Django's signals, for the member site and the admin alike: a sign-in (`user_logged_in`;
its actor is the login itself), a failed one (`user_login_failed`: the name typed and the
client's address, never the password), a lockout beginning (django-axes' `user_locked_out`
on the failure that reached the limit) and each attempt refused while locked out (a failure
axes' backend refused, `members.throttling.refused_by_lockout`); and every role change
`members.role_changes` notices, of a login or of a group's permissions (its actor is whoever
made it). Each is recorded through the one use case, in a transaction of its own (no request
here runs in one), so a refused sign-in's record is kept whatever the request does next.

What a client sends is made safe to record: the name typed as axes counts it
(`normalised_login_name`: lower-cased, printable, cut to a login's length); the address too.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest
from django.utils import timezone

from domain.events import (
    DomainEvent,
    GroupPermissionsChanged,
    LoginRoleChanged,
    SecondFactorFailed,
    SignedIn,
    SignInFailed,
    SignInLockedOut,
    SignInRefused,
)
from events.actors import Actor, acting_as
from gymbooking.composition import services
from members.role_changes import (
    GroupPermissionsChange,
    RoleChange,
    group_permissions_changed,
    role_changed,
)
from members.throttling import client_ip, normalised_login_name, refused_by_lockout

# The longest address written down (an IPv6 address with a zone is under this).
ADDRESS_LENGTH = 64


def address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return "".join(c for c in client_ip(request) if c.isprintable())[:ADDRESS_LENGTH]


def entry(request: HttpRequest | None) -> str:
    """Which sign-in: the admin's, or the member site's."""
    match = getattr(request, "resolver_match", None)
    return "admin" if match is not None and match.namespace == "admin" else "site"


def record(event: DomainEvent) -> None:
    services().record_security_event.execute(event)


def on_signed_in(sender, request, user, **kwargs) -> None:
    with acting_as(Actor.for_user(user)):
        record(
            SignedIn(
                user_id=str(user.pk),
                username=user.get_username(),
                client_ip=address(request),
                entry=entry(request),
                occurred_at=timezone.now(),
            )
        )


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    event_type = SignInRefused if refused_by_lockout(request) else SignInFailed
    record(
        event_type(
            username=normalised_login_name(credentials.get("username")),
            client_ip=address(request),
            entry=entry(request),
            occurred_at=timezone.now(),
        )
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """Axes says so on the failure that reached the limit, and again on every attempt
    refused afterwards: those are recorded as refused (above), once each."""
    if refused_by_lockout(request):
        return
    record(
        SignInLockedOut(
            username=normalised_login_name(username),
            client_ip=address(request),
            entry=entry(request),
            occurred_at=timezone.now(),
        )
    )


def on_role_changed(sender, change: RoleChange, **kwargs) -> None:
    flags = change.flags
    record(
        LoginRoleChanged(
            user_id=str(change.user_id),
            username=change.username,
            staff=flags.get("is_staff"),
            superuser=flags.get("is_superuser"),
            active=flags.get("is_active"),
            groups_added=", ".join(change.groups_added),
            groups_removed=", ".join(change.groups_removed),
            permissions_added=", ".join(change.permissions_added),
            permissions_removed=", ".join(change.permissions_removed),
            new_login=change.new_login,
            occurred_at=timezone.now(),
        )
    )


def on_group_permissions_changed(sender, change: GroupPermissionsChange, **kwargs) -> None:
    record(
        GroupPermissionsChanged(
            group_id=str(change.group.pk),
            group=change.group.name,
            permissions_added=", ".join(change.added),
            permissions_removed=", ".join(change.removed),
            occurred_at=timezone.now(),
        )
    )


def on_second_factor_failed(request: HttpRequest) -> None:
    """A signed-in login gave a wrong code for its second factor (the code is not kept)."""
    user = request.user
    record(
        SecondFactorFailed(
            user_id=str(user.pk),
            username=user.get_username(),
            client_ip=address(request),
            occurred_at=timezone.now(),
        )
    )


def connect() -> None:
    user_logged_in.connect(on_signed_in, dispatch_uid="security_log.signed_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="security_log.failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="security_log.locked_out")
    role_changed.connect(on_role_changed, dispatch_uid="security_log.role_changed")
    group_permissions_changed.connect(
        on_group_permissions_changed, dispatch_uid="security_log.group_permissions"
    )
