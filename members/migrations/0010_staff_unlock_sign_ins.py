"""Both staff groups may unlock a login locked out of signing in: they see django-axes'
access attempts and delete them (a member locked out at the desk is everyday work).

Permissions are created first (Django creates them only after the whole migration run).
"""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

UNLOCK_PERMISSIONS = ["axes.view_accessattempt", "axes.delete_accessattempt"]


def grant_unlocking_to_staff(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    unlock = staff_groups.permissions_named(Permission, UNLOCK_PERMISSIONS, using)
    for name in (staff_groups.FRONT_DESK, staff_groups.MANAGER):
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*unlock)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_signed_in_sessions"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(grant_unlocking_to_staff, migrations.RunPython.noop, elidable=False),
    ]
