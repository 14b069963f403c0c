"""The Manager group may add, change and delete a location's opening hours and closures; the
Front desk sees them, as it sees the location. No location gets hours: a location without
any is open at all times, so every installation behaves as before."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")

MODELS = ("openinghours", "closure")


def grant_opening_rules(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.grant_to_manager(
        apps,
        schema_editor,
        content_type__app_label="locations",
        content_type__model__in=MODELS,
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    front_desk, _ = Group.objects.using(using).get_or_create(name=staff_groups.FRONT_DESK)
    names = [f"locations.view_{model}" for model in MODELS]
    front_desk.permissions.add(*staff_groups.permissions_named(Permission, names, using))


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0005_opening_rules"),
        ("members", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunPython(grant_opening_rules, migrations.RunPython.noop, elidable=False),
    ]
