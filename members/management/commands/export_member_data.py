"""`manage.py export_member_data`: everything kept about one member, for a request made in
person or by post (the "Your data" page serves members who sign in).

    manage.py export_member_data ana@example.com > ana.json
    manage.py export_member_data 2f0c…-… --format csv --output ana.zip

The member is named by id or e-mail. JSON goes to stdout unless --output names a file; CSV is
a ZIP archive of one file per section, so it needs --output. An unknown member, or a file that
cannot be written, is an error (exit status 1) and nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from members import export_formats
from members.data_export import member_data
from members.queries import member_by_id_or_email


class Command(BaseCommand):
    help = (
        "Export one member's data (profile, bookings, waitlists, credits, notices, e-mails, "
        "events) as JSON (stdout by default) or as a ZIP of CSV files (--output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("member", help="The member's id or e-mail address.")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument("--output", help="Write to this file instead of stdout.")

    def handle(self, *args, member, format, output, **options):
        found = member_by_id_or_email(member)
        if found is None:
            raise CommandError(f"No member has the id or e-mail {member!r}.")
        if format == "csv" and not output:
            raise CommandError("A CSV export is a ZIP archive: name the file with --output.")
        data = member_data(found, timezone.now())
        if not output:
            export_formats.write_json(data, self.stdout)
            return
        try:
            if format == "json":
                with open(output, "w", encoding="utf-8") as out:
                    export_formats.write_json(data, out)
            else:
                with open(output, "wb") as out:
                    export_formats.write_csv_zip(data, out)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stdout.write(f"Wrote the data of member {found.pk} to {output} ({format}).")
