"""How the gym writes moments, days and counts, for pages, admin, e-mails and commands alike.

Moments are shown in the gym's time zone (TIME_ZONE), whatever zone a request activated.
Staff read zero-padded forms, which line up in tables and command output; members read the
plain forms of messages and e-mails. Names of days and months come from Django's date format,
and counts from `ngettext`, so all of it can be translated.
"""

from datetime import datetime

from django.utils import dateformat, timezone
from django.utils.translation import ngettext


def _format(moment: datetime, format_string: str) -> str:
    return dateformat.format(
        timezone.localtime(moment, timezone.get_default_timezone()), format_string
    )


def staff_time(moment: datetime) -> str:
    """“Tue 04 Mar 18:00”."""
    return _format(moment, "D d M H:i")


def staff_time_with_year(moment: datetime) -> str:
    """“Tue 04 Mar 2031 18:00”, for what may lie in another year (a member's history)."""
    return _format(moment, "D d M Y H:i")


def staff_day(moment: datetime) -> str:
    """“Tue 04 Mar”."""
    return _format(moment, "D d M")


def log_time(moment: datetime) -> str:
    """“2026-12-01 18:00:05”: to the second, for the event log and its deliveries."""
    return _format(moment, "Y-m-d H:i:s")


def member_time(moment: datetime) -> str:
    """“Tue 4 Mar 18:00”."""
    return _format(moment, "D j M H:i")


def member_time_with_year(moment: datetime) -> str:
    """“Tue 4 March 2031, 18:00”, for a history that spans years."""
    return _format(moment, "D j F Y, H:i")


def member_day(moment: datetime, now: datetime) -> str:
    """“12 December”, with the year when it is not `now`'s: “12 December 2031”."""
    same_year = _format(moment, "Y") == _format(now, "Y")
    return _format(moment, "j F" if same_year else "j F Y")


def count(number: int, singular: str, plural: str) -> str:
    """“1 class”, “3 classes”, “0 classes”."""
    return f"{number} {ngettext(singular, plural, number)}"
