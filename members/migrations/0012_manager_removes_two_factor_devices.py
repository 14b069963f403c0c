"""The Manager group may see the logins' authenticator apps and remove one (a member of staff
who lost a phone enrols again): members/two_factor/admin.py. The Front desk may not.

Permissions are created first (Django creates them only after the whole migration run).
"""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

DEVICE_PERMISSIONS = ["otp_totp.view_totpdevice", "otp_totp.delete_totpdevice"]


def grant_device_removal_to_manager(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.using(using).get_or_create(name=staff_groups.MANAGER)
    manager.permissions.add(*staff_groups.permissions_named(Permission, DEVICE_PERMISSIONS, using))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_manager_series_occurrences"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(
            grant_device_removal_to_manager, migrations.RunPython.noop, elidable=False
        ),
    ]
