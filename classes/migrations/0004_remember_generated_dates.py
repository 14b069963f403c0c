"""Every series session already generated is remembered as its series' occurrence of that local
date (in the gym's TIME_ZONE), linked to its class: nothing is lost or renumbered, and from now
on a session staff move to another day or delete is never generated again.

Where a series has two sessions on one local date (one was moved onto the other's day), the
first is that date's occurrence; the other keeps its series all the same.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def remember_generated_dates(apps, schema_editor):
    FitnessClass = apps.get_model("classes", "FitnessClass")
    SeriesOccurrence = apps.get_model("classes", "SeriesOccurrence")
    zone = ZoneInfo(settings.TIME_ZONE)
    sessions = (
        FitnessClass.objects.filter(series__isnull=False)
        .order_by("series_id", "starts_at", "id")
        .values_list("pk", "series_id", "starts_at")
    )
    # Run again, it adds nothing: dates and classes already remembered are left as they are.
    seen = set(SeriesOccurrence.objects.values_list("series_id", "date"))
    linked = set(
        SeriesOccurrence.objects.filter(fitness_class__isnull=False).values_list(
            "fitness_class_id", flat=True
        )
    )
    batch = []
    for class_pk, series_pk, starts_at in sessions.iterator(chunk_size=2000):
        day = starts_at.astimezone(zone).date()
        if (series_pk, day) in seen or class_pk in linked:
            continue
        seen.add((series_pk, day))
        batch.append(SeriesOccurrence(series_id=series_pk, date=day, fitness_class_id=class_pk))
        if len(batch) >= 1000:
            SeriesOccurrence.objects.bulk_create(batch)
            batch = []
    SeriesOccurrence.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0003_series_occurrences"),
    ]

    operations = [
        migrations.RunPython(remember_generated_dates, migrations.RunPython.noop, elidable=True),
    ]
