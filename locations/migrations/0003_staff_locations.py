"""Staff work at locations. Every staff login there is today works at every location there is
today, so an installation of one gym keeps working as it did; staff added later are assigned
by a manager (or hold `work_at_every_location`)."""

from django.conf import settings
from django.db import migrations, models


def staff_work_everywhere(apps, schema_editor):
    using = schema_editor.connection.alias
    Location = apps.get_model("locations", "Location")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    staff = list(User.objects.using(using).filter(is_staff=True).values_list("pk", flat=True))
    for location in Location.objects.using(using).all():
        location.staff.add(*staff)


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0002_staff_permissions"),
        # The locations that classes' free-text places became.
        ("classes", "0008_location_is_a_location"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="location",
            options={
                "ordering": ["name", "id"],
                "permissions": [
                    (
                        "work_at_every_location",
                        "Can see and change every location of the chain",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="location",
            name="staff",
            field=models.ManyToManyField(
                blank=True,
                help_text="The staff who work at this location and see only what happens here.",
                related_name="staffed_locations",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(staff_work_everywhere, migrations.RunPython.noop, elidable=False),
    ]
