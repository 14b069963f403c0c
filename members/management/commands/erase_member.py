"""`manage.py erase_member`: erase one member's personal data, as the member admin's
"Erase personal data…" does (`EraseMemberUseCase`).

    manage.py erase_member ana@example.com --dry-run   # what it would do; nothing changes
    manage.py erase_member ana@example.com             # asks for confirmation
    manage.py erase_member 2f0c…-… --yes               # no question (scripts)

The member is named by id or e-mail. Without --yes (or --no-input) the command asks, and
refuses when there is no terminal to ask on. Erasing an erased member changes nothing. The
event log records the erasure as done by this command. Exit status 1 on an unknown member or
a refusal; nothing is changed then.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from domain.exceptions import DomainException
from events.actors import Actor, acting_as
from gymbooking.composition import services
from members.erasure import erasure_preview
from members.queries import member_by_id_or_email
from web import formatting

CONFIRMATION = "erase"


class Command(BaseCommand):
    help = (
        "Erase a member's personal data: upcoming bookings cancelled and refunded, waitlists "
        "left, name, e-mail, login and notices removed, the event log scrubbed; the ledger "
        "and past bookings kept. --dry-run shows what it would do."
    )

    def add_arguments(self, parser):
        parser.add_argument("member", help="The member's id or e-mail address.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be done; change nothing."
        )
        parser.add_argument(
            "--yes",
            "--no-input",
            action="store_true",
            dest="yes",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, member, dry_run, yes, **options):
        found = member_by_id_or_email(member)
        if found is None:
            raise CommandError(f"No member has the id or e-mail {member!r}.")
        preview = erasure_preview(found, timezone.now())
        self.stdout.write(f"Member {found.pk}: {found.name} <{found.email}>")
        for line in preview.lines():
            self.stdout.write(f"  - {line}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        if not yes:
            self.confirm()
        try:
            with acting_as(Actor.system("erase_member command")):
                erasure = services().erase_member.execute(str(found.pk))
        except DomainException as refusal:
            raise CommandError(f"Not erased: {refusal}") from None
        if erasure.already_erased:
            self.stdout.write("Already erased: nothing was changed.")
        else:
            cancelled = formatting.count(erasure.cancelled_bookings, "booking", "bookings")
            left = formatting.count(erasure.left_waitlists, "waitlist", "waitlists")
            self.stdout.write(f"Erased member {found.pk}: {cancelled} cancelled, {left} left.")

    def confirm(self) -> None:
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for confirmation: pass --yes to erase.")
        answer = input(f"Type {CONFIRMATION!r} to erase this member for good: ")
        if answer.strip().lower() != CONFIRMATION:
            raise CommandError("Not erased: nothing was changed.")
