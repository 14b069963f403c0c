"""`manage.py create_staff`: the first staff login of a new installation (and any after it).

    manage.py create_staff --email OpsAdmin@gym.example.com --superuser
    manage.py create_staff --email desk@gym.example.com --group "Front desk" \\
        --location "Old Town" --password-file /run/secrets/desk-password

Staff see and change only the locations they work at (--location, repeated), or the whole
chain (--every-location, or --superuser); a name that is no location is refused.

The login is the e-mail (or --username) in lower case, as the sign-in form looks it up, so
whatever case it is typed in, here or at sign-in, it works. A login or e-mail already in use,
in any case, is refused. The password is asked for twice (not echoed), or read from the first
line of --password-file; Django's password validators apply.
"""

import getpass
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from locations.models import Location
from members.logins import login_taken, normalised_login


class Command(BaseCommand):
    help = (
        "Create a staff login (the e-mail in lower case) that can sign in to the admin: "
        "--superuser for every permission, or --group 'Front desk' / --group Manager."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The staff member's e-mail.")
        parser.add_argument(
            "--username", help="The login, if not the e-mail (stored in lower case)."
        )
        parser.add_argument("--name", default="", help="First and last name.")
        parser.add_argument(
            "--superuser", action="store_true", help="Every permission (the first login)."
        )
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            help='A staff group to join ("Front desk", "Manager"); may be repeated.',
        )
        parser.add_argument(
            "--location",
            action="append",
            default=[],
            help="A location this login works at (its name); may be repeated.",
        )
        parser.add_argument(
            "--every-location",
            action="store_true",
            help="Works at every location of the chain, those added later too.",
        )
        parser.add_argument(
            "--password-file",
            type=Path,
            help="Read the password from the first line of this file instead of asking.",
        )

    def handle(
        self,
        *args,
        email,
        username,
        name,
        superuser,
        group,
        location,
        every_location,
        password_file,
        **options,
    ):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        login = normalised_login(username or email)
        User = get_user_model()
        if login_taken(login) or User.objects.filter(email__iexact=email).exists():
            raise CommandError(
                f"A login {login!r} or a user with the e-mail {email!r} already exists "
                "(letter case aside); nothing was changed."
            )
        groups = list(Group.objects.filter(name__in=group))
        unknown = sorted(set(group) - {g.name for g in groups})
        if unknown:
            known = ", ".join(sorted(Group.objects.values_list("name", flat=True))) or "none"
            raise CommandError(f"No group {', '.join(unknown)} (there are: {known}).")
        locations = self.locations(location)

        first_name, _, last_name = name.strip().partition(" ")
        user = User(
            username=login,
            email=email,
            first_name=first_name[:150],
            last_name=last_name.strip()[:150],
            is_staff=True,
            is_superuser=superuser,
        )
        password = self.password(password_file)
        try:
            validate_password(password, user)
        except ValidationError as weak:
            raise CommandError("The password is refused: " + " ".join(weak.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            user.groups.set(groups)
            user.staffed_locations.set(locations)
            if every_location:
                user.user_permissions.add(
                    Permission.objects.get(
                        content_type__app_label="locations", codename="work_at_every_location"
                    )
                )
        role = "superuser" if superuser else ", ".join(g.name for g in groups) or "no group"
        self.stdout.write(f"Created the staff login {login} ({role}); sign in at /admin/.")
        if not superuser and not groups:
            self.stdout.write("It has no permissions yet: add it to a group in the admin.")
        if superuser or every_location:
            self.stdout.write("It works at every location.")
        elif locations:
            self.stdout.write(f"It works at {', '.join(map(str, locations))}.")
        else:
            self.stdout.write(
                "It works at no location yet: give --location, or add it to a location's "
                "staff in the admin."
            )

    def locations(self, names: list[str]) -> list[Location]:
        found = list(Location.objects.filter(name__in=names))
        unknown = sorted(set(names) - {found_location.name for found_location in found})
        if unknown:
            known = ", ".join(Location.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No location {', '.join(unknown)} (there are: {known}).")
        return found

    def password(self, password_file: Path | None) -> str:
        if password_file is not None:
            try:
                lines = password_file.read_text().splitlines()
            except OSError as error:
                raise CommandError(f"Cannot read {password_file}: {error.strerror}.") from None
            if not lines or not lines[0]:
                raise CommandError(f"{password_file} is empty.")
            return lines[0]
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for the password: use --password-file.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match; nothing was changed.")
        return password
