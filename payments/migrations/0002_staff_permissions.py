"""The Manager group sees the Stripe customers and the Stripe events acted on (nobody edits
them); the Front desk sells at the desk and needs neither."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_viewing(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps, schema_editor, content_type__app_label="payments", codename__startswith="view_"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("members", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunPython(grant_viewing, migrations.RunPython.noop, elidable=False),
    ]
