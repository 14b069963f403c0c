"""Classes and series saved with a capacity above the domain's limit (1000, MAX_CAPACITY in
domain/entities) before the admin checked it could not be booked, cancelled or resized, and
such a series stopped `generate_classes`: they get the limit. A class with more members
holding spots than that (none can be booked so) is left as it is."""

from django.db import migrations
from django.db.models import Count, Q

LIMIT = 1000  # domain.entities.MAX_CAPACITY when this was written
SPOT_HOLDING = ("confirmed", "attended", "no_show")


def bring_capacities_within_the_limit(apps, schema_editor):
    FitnessClass = apps.get_model("classes", "FitnessClass")
    ClassSeries = apps.get_model("classes", "ClassSeries")
    # Grouped by the key alone: the step reads no other column (it also runs, in a test, on
    # the tables as later migrations left them).
    too_big = (
        FitnessClass.objects.filter(capacity__gt=LIMIT)
        .values("pk")
        .annotate(taken=Count("bookings", filter=Q(bookings__status__in=SPOT_HOLDING)))
    )
    fits = [row["pk"] for row in too_big if row["taken"] <= LIMIT]
    FitnessClass.objects.filter(pk__in=fits).update(capacity=LIMIT)
    ClassSeries.objects.filter(capacity__gt=LIMIT).update(capacity=LIMIT)


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0004_remember_generated_dates"),
        ("bookings", "0004_attended_status"),
    ]

    operations = [
        migrations.RunPython(
            bring_capacities_within_the_limit, migrations.RunPython.noop, elidable=True
        ),
    ]
