"""The Manager group keeps every permission of the event log, which moved to the `events` app."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_event_log(apps, schema_editor):
    staff_groups.grant_to_manager(apps, schema_editor, content_type__app_label="events")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_staff_groups"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(grant_event_log, migrations.RunPython.noop, elidable=False),
    ]
