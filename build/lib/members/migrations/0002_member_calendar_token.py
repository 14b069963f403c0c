"""A secret calendar-feed token per member: added empty, filled with a distinct secret for
every existing member, then made required and unique (a callable default on AddField would
give every existing row the same value)."""

from django.db import migrations, models

import members.models


def fill_calendar_tokens(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for member in Member.objects.filter(calendar_token__isnull=True).only("pk").iterator():
        Member.objects.filter(pk=member.pk).update(
            calendar_token=members.models.new_calendar_token()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="calendar_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_calendar_tokens, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="member",
            name="calendar_token",
            field=models.CharField(
                default=members.models.new_calendar_token,
                editable=False,
                help_text=(
                    "The secret in the member's calendar feed URL; resetting it retires the "
                    "old URL."
                ),
                max_length=64,
                unique=True,
            ),
        ),
    ]
