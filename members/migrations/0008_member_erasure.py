"""Members can be erased: when it happened, and the permission to do it, which the Manager
group gets (the Front desk does not: erasure cannot be undone)."""

from importlib import import_module

from django.db import migrations, models

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_erasure_to_managers(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps, schema_editor, content_type__app_label="members", codename="erase_member"
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
