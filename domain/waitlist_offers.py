"""How a freed spot goes to a class's waitlist, and the timed offers that give it.

A class promotes in one of three modes: `auto` books the first eligible waiting member at
once (spending her credit); `offer` gives her a spot to accept within a time, and nothing is
spent until she does, the next one getting it on a decline or when the offer runs out;
`broadcast` tells every eligible waiting member at once and the first to claim it wins. A
class may switch mode as it draws near (auto until 12 hours before, offers until 2 hours,
broadcast after), and quiet hours hold offers at night: an offer falling due then is made
when they end. A member may ask to be auto-booked only with enough notice, or not at night
(`AutoBookRule`): otherwise she is offered the spot instead.

An offer is open from when it is made until `expires_at`, that moment excluded: at the
instant it expires an acceptance is too late, so an acceptance and an expiry racing for it
have one answer (under the class's lock, whichever comes first decides).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from domain import exceptions
from domain.entities.base import Entity
from domain.events import (
    WaitlistOfferAccepted,
    WaitlistOfferDeclined,
    WaitlistOfferExpired,
    WaitlistOfferMade,
)
from domain.values import new_id

DEFAULT_OFFER_TIME = timedelta(minutes=15)


class PromotionMode(StrEnum):
    AUTO = "auto"
    OFFER = "offer"
    BROADCAST = "broadcast"


@dataclass(frozen=True)
class QuietHours:
    """From `starts` to `ends` on the location's clock (across midnight when `ends` is the
    earlier), no offer is made."""

    starts: time
    ends: time

    def __post_init__(self) -> None:
        if self.starts == self.ends:
            raise exceptions.InvalidPromotionPolicyException("Quiet hours start and end apart.")

    def holds(self, moment: datetime, zone: tzinfo) -> bool:
        local = moment.astimezone(zone).time()
        if self.starts < self.ends:
            return self.starts <= local < self.ends
        return local >= self.starts or local < self.ends

    def end_after(self, moment: datetime, zone: tzinfo) -> datetime:
        """When the quiet hours holding `moment` end (`moment` itself outside them)."""
        if not self.holds(moment, zone):
            return moment
        local = moment.astimezone(zone)
        ends = datetime.combine(local.date(), self.ends, tzinfo=zone)
        return ends if ends > local else ends + timedelta(days=1)


@dataclass(frozen=True)
class PromotionPolicy:
    """A class's mode `mode`, switched to each of `switches` ((time before the start, mode),
    any order) once the class is that near; offers last `offer_time`, and none is made in
    `quiet_hours`."""

    mode: PromotionMode = PromotionMode.AUTO
    switches: tuple[tuple[timedelta, PromotionMode], ...] = ()
    offer_time: timedelta = DEFAULT_OFFER_TIME
    quiet_hours: QuietHours | None = None

    def __post_init__(self) -> None:
        if self.offer_time <= timedelta(0) or any(
            before <= timedelta(0) for before, _ in self.switches
        ):
            raise exceptions.InvalidPromotionPolicyException()
        object.__setattr__(self, "mode", PromotionMode(self.mode))

    def mode_at(self, starts_at: datetime, now: datetime) -> PromotionMode:
        """The mode a spot freed `now` is given in, for a class starting at `starts_at`."""
        left = starts_at - now
        mode = self.mode
        for before, switched in sorted(self.switches, key=lambda switch: switch[0], reverse=True):
            if left <= before:
                mode = PromotionMode(switched)
        return mode

    def offer_due(self, now: datetime, zone: tzinfo) -> datetime:
        """When an offer due `now` is made: now, or when the quiet hours end."""
        return self.quiet_hours.end_after(now, zone) if self.quiet_hours else now


@dataclass(frozen=True)
class AutoBookRule:
    """A member's own rule for being booked off a waitlist without being asked: only with at
    least `min_notice` before the class, and not during her `quiet_hours`; otherwise she is
    offered the spot instead (the default books her whenever a spot frees up)."""

    min_notice: timedelta | None = None
    quiet_hours: QuietHours | None = None

    def __post_init__(self) -> None:
        if self.min_notice is not None and self.min_notice <= timedelta(0):
            raise exceptions.InvalidPromotionPolicyException(
                "Give the notice you need as some hours before the class."
            )

    def allows(self, starts_at: datetime, now: datetime, zone: tzinfo) -> bool:
        """Whether a spot freed `now` in a class starting at `starts_at` may book her at once
        (`zone`: the clock her quiet hours are on, the class's location's)."""
        if self.min_notice is not None and starts_at - now < self.min_notice:
            return False
        return self.quiet_hours is None or not self.quiet_hours.holds(now, zone)


def mode_for_member(
    mode: PromotionMode, rule: AutoBookRule, *, starts_at: datetime, now: datetime, zone: tzinfo
) -> PromotionMode:
    """The class's mode for one waiting member: an auto-promotion her rule does not allow
    becomes an offer to her."""
    if mode is PromotionMode.AUTO and not rule.allows(starts_at, now, zone):
        return PromotionMode.OFFER
    return mode


class OfferState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class WaitlistOffer(Entity):
    """A freed spot offered to one waiting member until `expires_at`."""

    def __init__(
        self,
        offer_id: str,
        *,
        member_id: str,
        class_id: str,
        waitlist_entry_id: str,
        made_at: datetime,
        expires_at: datetime,
        state: OfferState = OfferState.OPEN,
    ) -> None:
        super().__init__()
        self.id = offer_id
        self.member_id = member_id
        self.class_id = class_id
        self.waitlist_entry_id = waitlist_entry_id
        self.made_at = made_at
        self.expires_at = expires_at
        self.state = OfferState(state)

    @classmethod
    def make(
        cls,
        *,
        member_id: str,
        class_id: str,
        waitlist_entry_id: str,
        now: datetime,
        lasting: timedelta,
        mode: PromotionMode = PromotionMode.OFFER,
    ) -> "WaitlistOffer":
        offer = cls(
            new_id(),
            member_id=member_id,
            class_id=class_id,
            waitlist_entry_id=waitlist_entry_id,
            made_at=now,
            expires_at=now + lasting,
        )
        offer._record(
            WaitlistOfferMade(
                offer_id=offer.id,
                member_id=member_id,
                class_id=class_id,
                waitlist_entry_id=waitlist_entry_id,
                expires_at=offer.expires_at,
                mode=PromotionMode(mode).value,
                occurred_at=now,
            )
        )
        return offer

    def is_open_at(self, now: datetime) -> bool:
        return self.state is OfferState.OPEN and now < self.expires_at

    def has_run_out(self, now: datetime) -> bool:
        """Unanswered, and its time is up: due to expire."""
        return self.state is OfferState.OPEN and now >= self.expires_at

    def accept(self, *, now: datetime) -> None:
        """Take the spot; refused once the offer is answered or has run out."""
        self._ensure_open(now)
        self.state = OfferState.ACCEPTED
        self._record(self._answered(WaitlistOfferAccepted, now))

    def decline(self, *, now: datetime) -> None:
        self._ensure_open(now)
        self.state = OfferState.DECLINED
        self._record(self._answered(WaitlistOfferDeclined, now))

    def expire(self, *, now: datetime) -> bool:
        """Run out, once: False (nothing changed) while it is still open in time, or once it
        was answered."""
        if not self.has_run_out(now):
            return False
        self.state = OfferState.EXPIRED
        self._record(
            WaitlistOfferExpired(
                offer_id=self.id,
                member_id=self.member_id,
                class_id=self.class_id,
                expires_at=self.expires_at,
                occurred_at=now,
            )
        )
        return True

    def _ensure_open(self, now: datetime) -> None:
        if not self.is_open_at(now):
            raise exceptions.OfferNoLongerOpenException()

    def _answered(self, event_type, now: datetime):
        return event_type(
            offer_id=self.id, member_id=self.member_id, class_id=self.class_id, occurred_at=now
        )
