"""Each distinct free-text location of a class or series becomes a location (on the clock of
`settings.TIME_ZONE` when this runs); those that named none go to one default location, named
`DEFAULT_LOCATION_NAME`. Rows keep their ids; the text stays until 0008 drops it. Backwards,
the text is written back from the location's name (the default location's as empty text)."""

from django.conf import settings
from django.db import migrations

DEFAULT_LOCATION_NAME = "Main gym"  # domain.locations.DEFAULT_LOCATION_NAME when written
MODELS = ("FitnessClass", "ClassSeries")


def locations_from_text(apps, schema_editor):
    using = schema_editor.connection.alias
    Location = apps.get_model("locations", "Location")
    for model_name in MODELS:
        rows = apps.get_model("classes", model_name).objects.using(using)
        for text in rows.order_by().values_list("location", flat=True).distinct():
            location, _ = Location.objects.using(using).get_or_create(
                name=text or DEFAULT_LOCATION_NAME, defaults={"time_zone": settings.TIME_ZONE}
            )
            rows.filter(location=text).update(place=location)


def text_from_locations(apps, schema_editor):
    using = schema_editor.connection.alias
    Location = apps.get_model("locations", "Location")
    for model_name in MODELS:
        rows = apps.get_model("classes", model_name).objects.using(using)
        for location in Location.objects.using(using).all():
            text = "" if location.name == DEFAULT_LOCATION_NAME else location.name
            rows.filter(place=location).update(location=text)


class Migration(migrations.Migration):
    dependencies = [("classes", "0006_location_rows")]

    operations = [
        migrations.RunPython(locations_from_text, text_from_locations, elidable=False),
    ]
