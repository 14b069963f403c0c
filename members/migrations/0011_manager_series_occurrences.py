"""The Manager group holds every permission of the gym's models, the series' remembered dates
included (created after the groups were)."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_series_occurrences(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps,
        schema_editor,
        content_type__app_label="classes",
        content_type__model="seriesoccurrence",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_staff_unlock_sign_ins"),
        ("classes", "0003_series_occurrences"),
    ]

    operations = [
        migrations.RunPython(grant_series_occurrences, migrations.RunPython.noop, elidable=False),
    ]
