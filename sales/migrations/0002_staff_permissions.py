"""The Manager group may add, change and delete products (and see every sale); the Front desk
sees the products and sells them: it records and sees purchases."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

FRONT_DESK_PERMISSIONS = ["sales.view_product", "sales.add_purchase", "sales.view_purchase"]


def grant_sales(apps, schema_editor):
    staff_groups.grant_to_manager(apps, schema_editor, content_type__app_label="sales")
    staff_groups.grant_to_front_desk(apps, schema_editor, FRONT_DESK_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0001_initial"),
        ("members", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunPython(grant_sales, migrations.RunPython.noop, elidable=False),
    ]
