"""Members can be erased: when it happened, and the permission to do it, which the Manager
group gets (the Front desk does not: erasure cannot be undone).

Permissions are created first (Django creates them only after the whole migration run).
"""

from importlib import import_module

from django.db import migrations, models

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_erasure_to_managers(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.using(using).get_or_create(name=staff_groups.MANAGER)
    manager.permissions.add(
        *staff_groups.permissions_named(Permission, ["members.erase_member"], using)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_repair_orphan_logins"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="member",
            options={
                "ordering": ["name", "id"],
                "permissions": [("erase_member", "Can erase a member's personal data")],
            },
        ),
        migrations.AddField(
            model_name="member",
            name="erased_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When staff erased her personal data.",
                null=True,
            ),
        ),
        migrations.RunPython(grant_erasure_to_managers, migrations.RunPython.noop, elidable=False),
    ]
