"""The Manager group may add, change and delete locations and rooms; the Front desk sees
them (as it sees classes)."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

FRONT_DESK_PERMISSIONS = ["locations.view_location", "locations.view_room"]


def grant_locations(apps, schema_editor):
    staff_groups.grant_to_manager(apps, schema_editor, content_type__app_label="locations")
    staff_groups.grant_to_front_desk(apps, schema_editor, FRONT_DESK_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0001_initial"),
        ("members", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunPython(grant_locations, migrations.RunPython.noop, elidable=False),
    ]
