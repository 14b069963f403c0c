"""The Manager group may do everything with fees, waiving included (`sales.waive_fee`); the
Front desk sees them and records one paid at the desk (`sales.change_fee`), but does not
waive."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

FRONT_DESK_PERMISSIONS = ["sales.view_fee", "sales.change_fee"]


def grant_fees(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps, schema_editor, content_type__app_label="sales", content_type__model="fee"
    )
    staff_groups.grant_to_front_desk(apps, schema_editor, FRONT_DESK_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_fees"),
        ("members", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunPython(grant_fees, migrations.RunPython.noop, elidable=False),
    ]
