"""How the gym writes moments, days and counts, for pages, admin, e-mails and commands alike.

A class's moments are shown on its own location's clock: pass its `zone` (a location's
`time_zone` name, or a tzinfo). A moment without a class (when booking opens, a credit's expiry,
an account's pause, the event log) is shown in the installation's zone (TIME_ZONE), whatever
zone a request activated, until members have a home location of their own.
Staff read zero-padded forms, which line up in tables and command output; members read the
plain forms of messages and e-mails. Names of days and months come from Django's date format,
and counts from `ngettext`, so all of it can be translated.
"""

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone
from django.utils.translation import ngettext

type Zone = tzinfo | str | None


def zone_of(zone: Zone) -> tzinfo:
    """`zone` as a tzinfo: a name is looked up (zoneinfo caches it); none (or "") is
    TIME_ZONE."""
    if not zone:
        return timezone.get_default_timezone()
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def local(moment: datetime, zone: Zone = None) -> datetime:
    """`moment` on the clock of `zone` (TIME_ZONE when None)."""
    return moment.astimezone(zone_of(zone))


def _format(moment: datetime, format_string: str, zone: Zone) -> str:
    return dateformat.format(local(moment, zone), format_string)


def staff_time(moment: datetime, zone: Zone = None) -> str:
    """“Tue 04 Mar 18:00”."""
    return _format(moment, "D d M H:i", zone)


def staff_time_with_year(moment: datetime, zone: Zone = None) -> str:
    """“Tue 04 Mar 2031 18:00”, for what may lie in another year (a member's history)."""
    return _format(moment, "D d M Y H:i", zone)


def staff_day(moment: datetime, zone: Zone = None) -> str:
    """“Tue 04 Mar”."""
    return _format(moment, "D d M", zone)


def log_time(moment: datetime, zone: Zone = None) -> str:
    """“2026-12-01 18:00:05”: to the second, for the event log and its deliveries."""
    return _format(moment, "Y-m-d H:i:s", zone)


def member_time(moment: datetime, zone: Zone = None) -> str:
    """“Tue 4 Mar 18:00”."""
    return _format(moment, "D j M H:i", zone)


def member_time_with_year(moment: datetime, zone: Zone = None) -> str:
    """“Tue 4 March 2031, 18:00”, for a history that spans years."""
    return _format(moment, "D j F Y, H:i", zone)


def member_day(moment: datetime, now: datetime, zone: Zone = None) -> str:
    """“12 December”, with the year when it is not `now`'s: “12 December 2031”."""
    same_year = _format(moment, "Y", zone) == _format(now, "Y", zone)
    return _format(moment, "j F" if same_year else "j F Y", zone)


def count(number: int, singular: str, plural: str) -> str:
    """“1 class”, “3 classes”, “0 classes”."""
    return f"{number} {ngettext(singular, plural, number)}"
