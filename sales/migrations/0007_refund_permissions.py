"""Refunding is the Manager's: the group may record refunds (`sales.add_refund`) and see
them; the Front desk sells but does not refund."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_refunds(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps, schema_editor, content_type__app_label="sales", content_type__model="refund"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0006_refunds"),
        ("members", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunPython(grant_refunds, migrations.RunPython.noop, elidable=False),
    ]
