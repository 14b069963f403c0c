"""Locations (a gym of the chain, with its time zone) and their rooms."""

import django.db.models.deletion
import locations.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Location',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True)),
                ('address', models.TextField(blank=True)),
                ('time_zone', models.CharField(help_text="The IANA name of the location's clock, such as Europe/London.", max_length=64, validators=[locations.models.validate_time_zone])),
            ],
            options={
                'ordering': ['name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Room',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120)),
                ('capacity', models.PositiveIntegerField(help_text='How many members a class in this room takes unless staff say otherwise.')),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rooms', to='locations.location')),
            ],
            options={
                'ordering': ['location', 'name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('location', 'name'), name='one_room_name_per_location', violation_error_message='This location already has a room of that name.'), models.CheckConstraint(condition=models.Q(('capacity__gt', 0)), name='room_capacity_positive', violation_error_message='A room needs space for at least one member.')],
            },
        ),
    ]
