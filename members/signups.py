"""Verified sign-up: an account exists only once its address has followed the e-mailed link.

A sign-up is held as a `PendingSignUp` (the name, the normalised address, the password's
hash; nothing else) and the mail workers send its link (members/signup_mail.py). Following
the link creates the login, the member and her welcome credits in one transaction and
deletes the pending row, so a link works once. Until then nothing is anybody's: no login, no
member, no credit. Whether the address already has an account is told only to the address
(by the e-mail), never on the page; both cases do the same work (a row, a hash, an event).

Pending rows go when their link is followed, and every sign-up deletes those whose link has
expired (`GYM_SIGNUP_LINK_HOURS`), so the table holds at most a day of sign-ups.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from domain.exceptions import EmailAlreadyRegisteredException
from members.accounts import login_for_new_member
from members.models import PendingSignUp
from members.queries import attach_login


class SignUpTokenGenerator(PasswordResetTokenGenerator):
    """The link's secret: a keyed hash of the pending row (its id, time, address and password
    hash) and when the link was made; valid `GYM_SIGNUP_LINK_HOURS`. Nothing is stored: the
    row's deletion retires it."""

    key_salt = "members.signups.SignUpTokenGenerator"

    def _make_hash_value(self, pending: PendingSignUp, timestamp: int) -> str:
        created = pending.created_at.isoformat()
        return f"{pending.pk}{created}{pending.email}{pending.password}{timestamp}"

    def check_token(self, pending: PendingSignUp | None, token: str | None) -> bool:
        """Django's check, with the sign-up's own lifetime instead of a reset link's."""
        if not (pending and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(pending, timestamp, key), token)
            for key in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.GYM_SIGNUP_LINK_HOURS * 60 * 60


sign_up_tokens = SignUpTokenGenerator()


def link_path_args(pending: PendingSignUp) -> tuple[str, str]:
    """The two parts of a confirmation link's path: the row named, and its token."""
    return urlsafe_base64_encode(force_bytes(pending.pk)), sign_up_tokens.make_token(pending)


def pending_from_link(uidb64: str, token: str) -> PendingSignUp | None:
    """The pending sign-up a link names, if the link is still good (its row not yet used or
    expired, its token right and fresh)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, OverflowError):
        return None
    pending = PendingSignUp.objects.filter(pk=pk, created_at__gte=_expired_before()).first()
    return pending if sign_up_tokens.check_token(pending, token) else None


def _expired_before() -> datetime:
    return timezone.now() - timedelta(hours=settings.GYM_SIGNUP_LINK_HOURS)


def hold(name: str, email: str, password: str) -> PendingSignUp | None:
    """Hold a sign-up for its link (the password hashed here, whoever the address is).
    None, and nothing held, once the address was sent `GYM_SIGNUP_MAILS_PER_ADDRESS`
    sign-up e-mails this hour: sign-up cannot flood someone's inbox."""
    password_hash = make_password(password)
    PendingSignUp.objects.filter(created_at__lt=_expired_before()).delete()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    recent = PendingSignUp.objects.filter(email=email, created_at__gte=an_hour_ago)
    if recent.count() >= settings.GYM_SIGNUP_MAILS_PER_ADDRESS:
        return None
    return PendingSignUp.objects.create(name=name, email=email, password=password_hash)


def confirm(pending: PendingSignUp, register_member) -> tuple[object, AbstractBaseUser]:
    """The link was followed: the member (with her welcome credits, through
    `register_member`, the RegisterMemberUseCase) and her login with the password she chose,
    together, and the pending row gone — or, when the address has an account by now (the
    other of two sign-ups was confirmed first, staff added her), nothing but the row gone
    and `EmailAlreadyRegisteredException`. A login no member uses is taken over, as
    members/accounts.py says. Returns (member, login)."""
    try:
        with transaction.atomic():
            held = PendingSignUp.objects.select_for_update().filter(pk=pending.pk).first()
            if held is None:  # the same link followed twice at once: the other one won
                raise EmailAlreadyRegisteredException()
            held.delete()
            member = register_member.execute(held.name, held.email)
            login = login_for_new_member(held.name, held.email, None, password_hash=held.password)
            attach_login(member.id, login)
    except (EmailAlreadyRegisteredException, IntegrityError) as refusal:
        # Rolled back whole; the link is spent all the same.
        PendingSignUp.objects.filter(pk=pending.pk).delete()
        raise EmailAlreadyRegisteredException() from refusal
    return member, login
