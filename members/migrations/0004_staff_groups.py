"""The staff groups: "Front desk" and "Manager".

Front desk (the desk's everyday work, nothing that changes the schedule):
- check members in: bookings.record_attendance
- cancel one booking as staff: bookings.change_booking
- grant credits: members.add_creditgrant (the ledger is never added to by hand, so the
  permission means exactly "may grant credits")
- lift a member's no-show pause and correct their details: members.change_member
- see members, their credits, classes, bookings and waitlists: the view permissions
It can neither cancel a class nor change a capacity (classes.change_fitnessclass), nor add a
member to a class (bookings.add_booking).

Manager: every permission of the apps members, classes (including class series), bookings,
notifications and, since 0005, events (the event log), and the report (reports.view_reports).

A user also needs "staff status" to sign in to the admin. Running this again changes nothing
(get_or_create, and adding a permission a group holds is a no-op); permissions given to a
group by hand are kept. Permissions are created first, because Django only creates them after
the whole migration run; one that does not exist is skipped.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FRONT_DESK = "Front desk"
MANAGER = "Manager"

FRONT_DESK_PERMISSIONS = [
    "bookings.record_attendance",
    "bookings.change_booking",
    "members.add_creditgrant",
    "members.change_member",
    "members.view_member",
    "members.view_creditgrant",
    "classes.view_fitnessclass",
    "bookings.view_booking",
    "bookings.view_waitlistentry",
]
MANAGER_APPS = ["members", "classes", "bookings", "notifications"]
MANAGER_PERMISSIONS = ["reports.view_reports"]


def create_all_permissions(apps, using):
    """What `post_migrate` would create at the end of the run, created now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None


def permissions_named(Permission, names, using):
    """The permissions `names` ("app_label.codename") that exist; missing ones are skipped."""
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.using(using).select_related("content_type").filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    )
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def grant_to_manager(apps, schema_editor, **permission_filter):
    """Give the Manager group the permissions that `permission_filter` selects (a later
    migration's new models or permissions), every permission created first."""
    using = schema_editor.connection.alias
    create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.using(using).get_or_create(name=MANAGER)
    manager.permissions.add(*Permission.objects.using(using).filter(**permission_filter))


def grant_to_front_desk(apps, schema_editor, names):
    """Give the Front desk group the permissions `names` ("app_label.codename") of a later
    migration, every permission created first."""
    using = schema_editor.connection.alias
    create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    front_desk, _ = Group.objects.using(using).get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*permissions_named(Permission, names, using))


def create_staff_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    front_desk, _ = Group.objects.using(using).get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*permissions_named(Permission, FRONT_DESK_PERMISSIONS, using))

    manager, _ = Group.objects.using(using).get_or_create(name=MANAGER)
    manager.permissions.add(
        *Permission.objects.using(using).filter(content_type__app_label__in=MANAGER_APPS),
        *permissions_named(Permission, MANAGER_PERMISSIONS, using),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_operations"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("bookings", "0003_record_attendance_permission"),
        ("classes", "0002_class_series"),
        ("notifications", "0002_reminder_kind"),
        ("reports", "0001_report_permission"),
    ]

    operations = [
        migrations.RunPython(create_staff_groups, migrations.RunPython.noop, elidable=False),
    ]
