"""Sessions that end: an idle timeout (shorter for staff), an absolute lifetime, "sign out
of all other sessions", and every session of a login ended when its privileges change.

Django's session store cannot list a user's sessions, so each sign-in is noted as a
`SignedInSession` (the login and its session key; nothing else). That is what lets a member
end her other sessions, and what ends a login's sessions when staff status, superuser
status, "active", its groups or permissions, or its groups' permissions change: whoever holds
it signs in again, under a new session key, with the new privileges (Django's login rotates
the key; a change made by somebody else cannot rotate a session it is not handling, so it
ends it).
"""

import time
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from members.role_changes import (
    GroupPermissionsChange,
    RoleChange,
    group_permissions_changed,
    role_changed,
)

SIGNED_IN_AT = "gym_signed_in_at"
LAST_SEEN = "gym_last_seen"
# The last-seen time is written at most this often (each write is a session save).
LAST_SEEN_RESOLUTION_SECONDS = 60


class SignedInSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "members"
        default_permissions = ()  # nobody edits these; no admin, no permissions to hand out

    def __str__(self) -> str:
        return f"Session of {self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def end_sessions(user_id: object, *, keep: str | None = None) -> int:
    """Ends every noted session of the login but `keep`; returns how many."""
    ended = 0
    for record in SignedInSession.objects.filter(user_id=user_id).exclude(session_key=keep):
        store = _store(record.session_key)
        if store.exists(record.session_key):
            store.delete()
            ended += 1
        record.delete()
    return ended


class SessionLifetimeMiddleware:
    """Signs out a session idle longer than its limit, or older than the lifetime, and says
    so on the sign-in page it is sent to."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        session = request.session
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN, now)
        idle_minutes = (
            settings.GYM_STAFF_SESSION_IDLE_MINUTES
            if request.user.is_staff
            else settings.GYM_SESSION_IDLE_MINUTES
        )
        if now - last_seen > idle_minutes * 60:
            logout(request)
            messages.info(
                request, f"You were signed out after {idle_minutes} minutes without activity."
            )
        elif now - signed_in_at > settings.GYM_SESSION_MAX_HOURS * 60 * 60:
            logout(request)
            messages.info(request, "Your session has ended: please sign in again.")
        elif LAST_SEEN not in session or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN] = now


@receiver(user_logged_in)
def note_sign_in(sender, request, user, **kwargs) -> None:
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    if request.session.session_key is None:
        request.session.save()
    SignedInSession.objects.get_or_create(user=user, session_key=request.session.session_key)
    # Forget the sessions of this login that ended on their own (expired, signed out).
    for record in SignedInSession.objects.filter(user=user):
        if not _store(record.session_key).exists(record.session_key):
            record.delete()


@receiver(user_logged_out)
def note_sign_out(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        SignedInSession.objects.filter(session_key=request.session.session_key).delete()


@receiver(role_changed)
def _end_sessions_on_role_change(sender, change: RoleChange, **kwargs) -> None:
    """A login's privileges, groups or permissions changed (members/role_changes.py)."""
    if not change.new_login:
        end_sessions(change.user_id)


@receiver(group_permissions_changed)
def _end_sessions_on_group_permissions(sender, change: GroupPermissionsChange, **kwargs) -> None:
    """A group's permissions changed: every login in it holds a new role."""
    for user_id in change.group.user_set.values_list("pk", flat=True):
        end_sessions(user_id)
