"""The Django side of erasing a member: her login as a `PersonalData` store, and what an
erasure would do (for the confirmation page and `erase_member --dry-run`)."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from bookings.models import Booking, WaitlistEntry
from domain.entities import ERASED_MEMBER_NAME, SPOT_HOLDING_STATUSES
from domain.entities import Member as MemberEntity
from events.models import StoredEvent
from members.models import Member, new_calendar_token
from notifications.models import Notification
from web import formatting


class LoginEraser:
    """Deletes her login (she is signed out everywhere: her sessions name a user who is gone)
    and retires her calendar feed's address; the admin's history of her rows keeps its
    entries under her placeholder name. Run it last: the event log finds what she did
    through the login."""

    def erase(self, member: MemberEntity) -> None:
        user_id = Member.objects.filter(pk=member.id).values_list("user_id", flat=True).first()
        Member.objects.filter(pk=member.id).update(user=None, calendar_token=new_calendar_token())
        _rename_in_admin_history(Member, member.id)
        if user_id is not None:
            _rename_in_admin_history(get_user_model(), user_id)
            get_user_model().objects.filter(pk=user_id).delete()


def _rename_in_admin_history(model, pk: object) -> None:
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
    ).update(object_repr=ERASED_MEMBER_NAME)


@dataclass(frozen=True)
class ErasurePreview:
    """What erasing a member would do, counted now."""

    name: str
    email: str
    erased: bool
    upcoming_bookings: int
    waitlist_places: int
    notices: int
    login: str | None
    events: int

    def lines(self) -> list[str]:
        if self.erased:
            return ["Already erased: erasing again changes nothing."]
        count = formatting.count
        return [
            f"Cancel {count(self.upcoming_bookings, 'upcoming booking', 'upcoming bookings')} "
            "(each refunded; the spots go to the waitlists)",
            f"Take her off {count(self.waitlist_places, 'waitlist', 'waitlists')}",
            f"Delete {count(self.notices, 'in-app notice', 'in-app notices')}",
            f"Delete the login {self.login}" if self.login else "She has no login",
            f"Scrub her name and e-mail from {count(self.events, 'event', 'events')} of the "
            "event log (the events stay)",
            "Replace her name and e-mail; keep her credit ledger and past bookings",
        ]


def erasure_preview(member: Member, now: datetime) -> ErasurePreview:
    """Six counting queries."""
    about_her = Q(member_id=member.pk)
    if member.user_id is not None:
        about_her |= Q(actor_user_id=member.user_id)
    return ErasurePreview(
        name=member.name,
        email=member.email,
        erased=member.erased_at is not None,
        upcoming_bookings=Booking.objects.filter(
            member=member,
            status__in=SPOT_HOLDING_STATUSES,
            fitness_class__cancelled_at__isnull=True,
            fitness_class__starts_at__gt=now,
        ).count(),
        waitlist_places=WaitlistEntry.objects.filter(member=member).count(),
        notices=Notification.objects.filter(member=member).count(),
        login=get_user_model()
        .objects.filter(pk=member.user_id)
        .values_list("username", flat=True)
        .first(),
        events=StoredEvent.objects.filter(about_her).count(),
    )
