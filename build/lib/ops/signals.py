"""Signing in, logged for the security record: who signed in, and which username a failed
attempt tried (lower-cased and cut short; never a password, which Django's signal does not
carry anyway)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed

logger = logging.getLogger("ops.auth")

# A username longer than this is cut: a typo'd password pasted into the username field
# should not end up whole in the log.
USERNAME_LOGGED_CHARS = 64


def attempted_username(credentials: dict) -> str:
    username = str(credentials.get("username") or "")
    printable = "".join(c for c in username.strip().lower() if c.isprintable())
    return printable[:USERNAME_LOGGED_CHARS]


def _remote_addr(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def on_sign_in(sender, request, user, **kwargs) -> None:
    logger.info(
        "sign-in: user %s",
        user.pk,
        extra={"event": "sign_in", "user_id": user.pk, "remote_addr": _remote_addr(request)},
    )


def on_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    username = attempted_username(credentials)
    logger.warning(
        "failed sign-in: %r",
        username,
        extra={
            "event": "sign_in_failed",
            "username": username,
            "remote_addr": _remote_addr(request),
        },
    )


def connect() -> None:
    user_logged_in.connect(on_sign_in, dispatch_uid="ops.sign_in")
    user_login_failed.connect(on_failed_sign_in, dispatch_uid="ops.failed_sign_in")
