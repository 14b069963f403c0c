"""Where classes happen: a gym of the chain (a location, with its own clock) and its rooms.

A class names its location by the location's name (`FitnessClass.location`), so names are
unique within an installation; a room is named within its location.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.exceptions import DomainException

# The location classes are put in when nobody said where (and old classes that said nothing).
DEFAULT_LOCATION_NAME = "Main gym"


class InvalidLocationException(DomainException):
    default_message = "A location needs a name and a time zone."


def time_zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name` ("Europe/London"); refused with a message staff can act on."""
    cleaned = name.strip() if isinstance(name, str) else ""
    try:
        if not cleaned:
            raise ValueError(name)
        return ZoneInfo(cleaned)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidLocationException(
            f"“{name}” is not a time zone: give its IANA name, such as Europe/London or "
            "America/New_York."
        ) from None


@dataclass(frozen=True)
class Location:
    """A gym of the chain: where it is and which clock its classes keep."""

    name: str
    time_zone: ZoneInfo
    address: str = ""

    @classmethod
    def of(cls, name: str, time_zone: str, address: str = "") -> "Location":
        """A location from what staff typed, validated."""
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            raise InvalidLocationException("Give the location a name.")
        return cls(name=name, time_zone=time_zone_named(time_zone), address=address.strip())


def ensure_room_at(location_name: str, room_location_name: str | None) -> None:
    """Refuse a room (at `room_location_name`) for a class at another location."""
    if room_location_name is not None and room_location_name != location_name:
        raise InvalidLocationException(
            f"That room is at {room_location_name}, not at {location_name}: choose one of "
            f"{location_name}'s rooms, or no room."
        )
