"""Password reset links, sent by the mail workers: the handler of `PasswordResetRequested`.

Django's own form finds the active logins of the address and mails each its link, as its
view would have on the request; here it runs on a mail worker, so the member's request never
waits on the mail server. The link (and its token) is made at sending time.
"""

from django.contrib.auth.forms import PasswordResetForm

from domain.events import PasswordResetRequested


class PasswordResetMailer:
    def handle(self, event: PasswordResetRequested) -> None:
        form = PasswordResetForm({"email": event.email})
        if form.is_valid():  # an address that was valid when asked for stays so
            form.save(domain_override=event.site, use_https=event.secure)
