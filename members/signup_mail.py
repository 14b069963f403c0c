"""The sign-up e-mail, sent by the mail workers (`SignUpRequested`): the confirmation link to
a new address, or to an address with an account already, a note saying so with the ways in
(sign in, reset the password). Only the address's owner learns which; the page said the
same either way. The link (and its token) is made at sending time: no secret in the event log.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from domain.events import SignUpRequested
from domain.values import Email
from members.models import PendingSignUp
from members.queries import DjangoRegisteredEmails
from members.signups import link_path_args


class SignUpMailer:
    def handle(self, event: SignUpRequested) -> None:
        """A pending sign-up gone (followed, expired and pruned) is sent nothing. The name
        typed is not quoted: whoever signs up must not choose words mailed to another."""
        pending = PendingSignUp.objects.filter(pk=event.pending_id).first()
        if pending is None:
            return
        context = {
            "email": pending.email,
            "protocol": "https" if event.secure else "http",
            "domain": event.site,
            "link_hours": settings.GYM_SIGNUP_LINK_HOURS,
        }
        if DjangoRegisteredEmails().is_registered(Email(pending.email)):
            template = "members/signup_existing_email"
        else:
            template = "members/signup_confirm_email"
            context["uidb64"], context["token"] = link_path_args(pending)
        send_mail(
            render_to_string(f"{template}_subject.txt", context).strip(),
            render_to_string(f"{template}.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [pending.email],
        )
