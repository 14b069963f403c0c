"""The free text goes; the foreign key 0007 filled in becomes `location`, required."""

import django.db.models.deletion
from django.db import migrations, models


def _location() -> models.ForeignKey:
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="locations.location"
    )


class Migration(migrations.Migration):
    dependencies = [("classes", "0007_locations_from_text")]

    operations = [
        migrations.RemoveField("classseries", "location"),
        migrations.RemoveField("fitnessclass", "location"),
        migrations.RenameField("classseries", "place", "location"),
        migrations.RenameField("fitnessclass", "place", "location"),
        migrations.AlterField("classseries", "location", _location()),
        migrations.AlterField("fitnessclass", "location", _location()),
    ]
