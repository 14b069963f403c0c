"""Locations get their own booking rules, every one empty: each keeps the chain's default
(the `GYM_*` settings), so every class books, cancels, refunds and reminds as before."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0003_staff_locations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="location",
            name="booking_opens_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default. 0: members may book as soon as a class is listed.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, "Give a whole number of days from 0 to 365, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        365, "Give a whole number of days from 0 to 365, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="cancellation_window_minutes",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, "Give a whole number of minutes from 0 to 10080, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        10080, "Give a whole number of minutes from 0 to 10080, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="late_cancellation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("refuse", "Refuse it: the booking stays"),
                    ("forfeit", "Accept it: the spot is freed, the credit is not refunded"),
                ],
                default="",
                help_text="Empty: the chain's default.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="max_upcoming_bookings",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default. 0: no limit.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, "Give a whole number of bookings from 0 to 1000, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        1000, "Give a whole number of bookings from 0 to 1000, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="no_show_limit",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default. 0: no-shows never pause booking here.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, "Give a whole number of no-shows from 0 to 100, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        100, "Give a whole number of no-shows from 0 to 100, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="no_show_pause_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        1, "Give a whole number of days from 1 to 365, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        365, "Give a whole number of days from 1 to 365, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="no_show_period_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        1, "Give a whole number of days from 1 to 365, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        365, "Give a whole number of days from 1 to 365, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="promotion_cutoff_minutes",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, "Give a whole number of minutes from 0 to 10080, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        10080, "Give a whole number of minutes from 0 to 10080, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="promotion_grace_minutes",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, "Give a whole number of minutes from 0 to 10080, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        10080, "Give a whole number of minutes from 0 to 10080, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="promotion_inside_window",
            field=models.CharField(
                blank=True,
                choices=[
                    ("never", "Never: nobody is promoted inside the cancellation window"),
                    ("grace", "With a grace period after the promotion to cancel with a refund"),
                ],
                default="",
                help_text="Empty: the chain's default.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="refund_expiry_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        1, "Give a whole number of days from 1 to 3650, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        3650, "Give a whole number of days from 1 to 3650, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="reminder_hours",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: the chain's default.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        1, "Give a whole number of hours from 1 to 168, or leave it empty."
                    ),
                    django.core.validators.MaxValueValidator(
                        168, "Give a whole number of hours from 1 to 168, or leave it empty."
                    ),
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("cancellation_window_minutes__isnull", True),
                    models.Q(
                        ("cancellation_window_minutes__gte", 0),
                        ("cancellation_window_minutes__lte", 10080),
                    ),
                    _connector="OR",
                ),
                name="location_cancellation_window_minutes_in_range",
                violation_error_message="Give a whole number of minutes from 0 to 10080.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("refund_expiry_days__isnull", True),
                    models.Q(("refund_expiry_days__gte", 1), ("refund_expiry_days__lte", 3650)),
                    _connector="OR",
                ),
                name="location_refund_expiry_days_in_range",
                violation_error_message="Give a whole number of days from 1 to 3650.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("promotion_cutoff_minutes__isnull", True),
                    models.Q(
                        ("promotion_cutoff_minutes__gte", 0),
                        ("promotion_cutoff_minutes__lte", 10080),
                    ),
                    _connector="OR",
                ),
                name="location_promotion_cutoff_minutes_in_range",
                violation_error_message="Give a whole number of minutes from 0 to 10080.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("promotion_grace_minutes__isnull", True),
                    models.Q(
                        ("promotion_grace_minutes__gte", 0), ("promotion_grace_minutes__lte", 10080)
                    ),
                    _connector="OR",
                ),
                name="location_promotion_grace_minutes_in_range",
                violation_error_message="Give a whole number of minutes from 0 to 10080.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("booking_opens_days__isnull", True),
                    models.Q(("booking_opens_days__gte", 0), ("booking_opens_days__lte", 365)),
                    _connector="OR",
                ),
                name="location_booking_opens_days_in_range",
                violation_error_message="Give a whole number of days from 0 to 365.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_upcoming_bookings__isnull", True),
                    models.Q(
                        ("max_upcoming_bookings__gte", 0), ("max_upcoming_bookings__lte", 1000)
                    ),
                    _connector="OR",
                ),
                name="location_max_upcoming_bookings_in_range",
                violation_error_message="Give a whole number of bookings from 0 to 1000.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("no_show_limit__isnull", True),
                    models.Q(("no_show_limit__gte", 0), ("no_show_limit__lte", 100)),
                    _connector="OR",
                ),
                name="location_no_show_limit_in_range",
                violation_error_message="Give a whole number of no-shows from 0 to 100.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("no_show_period_days__isnull", True),
                    models.Q(("no_show_period_days__gte", 1), ("no_show_period_days__lte", 365)),
                    _connector="OR",
                ),
                name="location_no_show_period_days_in_range",
                violation_error_message="Give a whole number of days from 1 to 365.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("no_show_pause_days__isnull", True),
                    models.Q(("no_show_pause_days__gte", 1), ("no_show_pause_days__lte", 365)),
                    _connector="OR",
                ),
                name="location_no_show_pause_days_in_range",
                violation_error_message="Give a whole number of days from 1 to 365.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("reminder_hours__isnull", True),
                    models.Q(("reminder_hours__gte", 1), ("reminder_hours__lte", 168)),
                    _connector="OR",
                ),
                name="location_reminder_hours_in_range",
                violation_error_message="Give a whole number of hours from 1 to 168.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(("late_cancellation__in", ["", "refuse", "forfeit"])),
                name="location_late_cancellation_known",
                violation_error_message="Choose one of the listed answers, or leave it empty.",
            ),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(
                condition=models.Q(("promotion_inside_window__in", ["", "never", "grace"])),
                name="location_promotion_inside_window_known",
                violation_error_message="Choose one of the listed answers, or leave it empty.",
            ),
        ),
    ]
