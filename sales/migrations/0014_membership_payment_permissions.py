"""The Front desk sees membership payments; the Manager has every permission of them, as of
every model of the gym (the admin adds, changes and deletes none whatever the permission:
only the membership use cases write them)."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

VIEW = "sales.view_membershippayment"


def grant_viewing(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps,
        schema_editor,
        content_type__app_label="sales",
        content_type__model="membershippayment",
    )
    staff_groups.grant_to_front_desk(apps, schema_editor, [VIEW])


class Migration(migrations.Migration):
    dependencies = [("sales", "0013_membership_payments_from_the_log")]

    operations = [
        migrations.RunPython(grant_viewing, migrations.RunPython.noop, elidable=False),
    ]
