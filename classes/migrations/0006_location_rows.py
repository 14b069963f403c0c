"""Classes and series get a foreign key to their location (filled in by 0007, made the
`location` field by 0008) and an optional room."""

import django.db.models.deletion
from django.db import migrations, models


def _place(related: str) -> models.ForeignKey:
    return models.ForeignKey(
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=f"locations.{related}",
    )


def _room() -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        help_text="Optional: one of the location's rooms.",
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="locations.room",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0005_capacities_within_the_limit"),
        ("locations", "0001_initial"),
    ]

    operations = [
        migrations.AddField("classseries", "place", _place("location")),
        migrations.AddField("fitnessclass", "place", _place("location")),
        migrations.AddField("classseries", "room", _room()),
        migrations.AddField("fitnessclass", "room", _room()),
    ]
