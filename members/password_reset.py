"""Password e-mails, sent by the mail workers: the reset link (`PasswordResetRequested`) and
the notice that a password was changed (`PasswordChanged`).

Django's own form finds the active logins of the address and mails each its link, as its
view would have on the request; here it runs on a mail worker, so the member's request never
waits on the mail server. The link (and its token) is made at sending time.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.template.loader import render_to_string

from domain.events import PasswordChanged, PasswordResetRequested


class PasswordResetMailer:
    def handle(self, event: PasswordResetRequested) -> None:
        form = PasswordResetForm({"email": event.email})
        if form.is_valid():  # an address that was valid when asked for stays so
            form.save(domain_override=event.site, use_https=event.secure)


class PasswordChangedMailer:
    """Tells a login's owner that its password changed, with the way back in should it not
    have been them. A login deleted (or left without an address) since is told nothing."""

    def handle(self, event: PasswordChanged) -> None:
        user = get_user_model().objects.filter(pk=event.user_id, is_active=True).first()
        if user is None or not user.email:
            return
        context = {
            "user": user,
            "email": user.email,
            "by_reset": event.by_reset,
            "protocol": "https" if event.secure else "http",
            "domain": event.site,
        }
        send_mail(
            render_to_string("registration/password_changed_subject.txt", context).strip(),
            render_to_string("registration/password_changed_email.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
