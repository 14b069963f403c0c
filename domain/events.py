"""Domain events: immutable facts about what happened, named in the past tense.

Keyword-only frozen dataclasses, so `event_id` and `occurred_at` can fill themselves in while
every event's own fields stay required — the book's version does not import as printed.
Fields are plain strings, numbers, booleans and datetimes so an event can be stored and
restored as it was.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.values import new_id


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of all domain events. Entities pass `occurred_at`; the default is for convenience."""

    event_id: str = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=_utc_now)


@dataclass(frozen=True, kw_only=True)
class BookingConfirmed(DomainEvent):
    """A member booked a class and spent a credit on it."""

    booking_id: str
    member_id: str
    class_id: str


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(DomainEvent):
    """A booking was cancelled: by the member, by staff, or with the whole class."""

    booking_id: str
    member_id: str
    class_id: str
    reason: str | None = None
    late: bool = False
    refunded: bool = True
    by_staff: bool = False
    with_class: bool = False


@dataclass(frozen=True, kw_only=True)
class LateCancellationRefunded(DomainEvent):
    """The gym cancelled a class after a member had cancelled late: her forfeited credit was
    refunded (as the grant `refund_grant_id`)."""

    booking_id: str
    member_id: str
    class_id: str
    refund_grant_id: str


@dataclass(frozen=True, kw_only=True)
class ClassSpotBecameAvailable(DomainEvent):
    """A class has room again (a cancellation or a capacity increase)."""

    class_id: str
    previous_booking_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class MemberJoinedWaitlist(DomainEvent):
    waitlist_entry_id: str
    member_id: str
    class_id: str
    position: int


@dataclass(frozen=True, kw_only=True)
class MemberLeftWaitlist(DomainEvent):
    waitlist_entry_id: str
    member_id: str
    class_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class MemberPromotedFromWaitlist(DomainEvent):
    """A waitlisted member got a freed spot: booked, one credit spent. She may cancel with a
    refund until `refundable_until`: the cancellation window's start, or with `grace` (promoted
    inside the window) the end of the grace period."""

    member_id: str
    class_id: str
    booking_id: str
    waitlist_entry_id: str
    refundable_until: datetime | None = None
    grace: bool = False


@dataclass(frozen=True, kw_only=True)
class MemberSkippedOnWaitlist(DomainEvent):
    """A spot was free but a waiting member could not be promoted into it, for `reason` (a
    `domain.eligibility.Hindrance`); she keeps her place. Recorded once per entry and reason."""

    member_id: str
    class_id: str
    waitlist_entry_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class WaitlistOfferMade(DomainEvent):
    """A freed spot was offered to a waiting member, hers if she accepts before `expires_at`
    (nothing is spent until she does); `mode` is how the class promotes ("offer" or
    "broadcast")."""

    offer_id: str
    member_id: str
    class_id: str
    waitlist_entry_id: str
    expires_at: datetime
    mode: str


@dataclass(frozen=True, kw_only=True)
class WaitlistOfferAccepted(DomainEvent):
    """She took the offered spot in time."""

    offer_id: str
    member_id: str
    class_id: str


@dataclass(frozen=True, kw_only=True)
class WaitlistOfferDeclined(DomainEvent):
    """She said no to the offered spot: the next waiting member may get it."""

    offer_id: str
    member_id: str
    class_id: str


@dataclass(frozen=True, kw_only=True)
class WaitlistOfferExpired(DomainEvent):
    """The offer ran out unanswered (at `expires_at`): the next waiting member may get it."""

    offer_id: str
    member_id: str
    class_id: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class MemberRegistered(DomainEvent):
    """Somebody joined the gym."""

    member_id: str


@dataclass(frozen=True, kw_only=True)
class MemberErased(DomainEvent):
    """Staff erased a member's personal data. Only her id: the event itself must hold none."""

    member_id: str


@dataclass(frozen=True, kw_only=True)
class PasswordResetRequested(DomainEvent):
    """Somebody asked for a password reset link for this address (it may match no login).
    The link is made when the e-mail is sent, so no secret is ever stored with the event."""

    email: str
    site: str  # the host the link points at
    secure: bool  # whether the link is https


@dataclass(frozen=True, kw_only=True)
class SignUpRequested(DomainEvent):
    """Somebody asked for an account under this (normalised) address; the pending sign-up
    waits for the link e-mailed to it, made when the e-mail is sent (no secret is stored with
    the event), or for an address with an account already, a note saying so."""

    pending_id: str
    email: str
    site: str  # the host the link points at
    secure: bool  # whether the link is https


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(DomainEvent):
    """A login's password was changed (by its owner, or through a reset link): its owner is
    told by e-mail, so a change they did not make does not go unnoticed. The login's id only:
    the address is looked up when the notice is sent."""

    user_id: str
    site: str  # the host the notice's links point at
    secure: bool  # whether those links are https
    by_reset: bool  # through a reset link, rather than on the password page


@dataclass(frozen=True, kw_only=True)
class CreditsAdded(DomainEvent):
    """A member received a grant of credits (a purchase, a gift or a refund), for the classes
    named `class_names` at the locations `locations` as they were named then (an empty part
    limits nothing: an open grant has neither, as every grant recorded before limits had)."""

    member_id: str
    grant_id: str
    amount: int
    expires_at: datetime
    reason: str = ""
    locations: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ClassPackPurchased(DomainEvent):
    """A member bought a class pack: its credits became the grant `grant_id`, spendable until
    `expires_at`. Amounts are decimal strings (tax-inclusive `price`, the `tax` in it)."""

    purchase_id: str
    member_id: str
    product_id: str
    product_name: str
    credits: int
    grant_id: str
    expires_at: datetime
    price: str
    tax: str
    tax_rate: str
    currency: str
    payment_method: str
    recorded_by: str


@dataclass(frozen=True, kw_only=True)
class ClassCapacityChanged(DomainEvent):
    class_id: str
    old_capacity: int
    new_capacity: int


@dataclass(frozen=True, kw_only=True)
class AttendanceRecorded(DomainEvent):
    """The front desk (or the end-of-class settlement) said whether the member came."""

    booking_id: str
    member_id: str
    class_id: str
    attended: bool


@dataclass(frozen=True, kw_only=True)
class MemberRemindedOfClass(DomainEvent):
    """A booked member is due a reminder of their class (sent once per booking)."""

    booking_id: str
    member_id: str
    class_id: str


@dataclass(frozen=True, kw_only=True)
class MemberBookingsPaused(DomainEvent):
    """Too many no-shows: the member may not book until `until`."""

    member_id: str
    until: datetime
    no_shows: int


@dataclass(frozen=True, kw_only=True)
class MemberBookingsResumed(DomainEvent):
    """A member's pause was lifted before it ran out: by staff, or because a no-show that
    brought it about was corrected (`reason`)."""

    member_id: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CreditsExpired(DomainEvent):
    """Credits left in a grant passed their expiry unspent."""

    member_id: str
    grant_id: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class ClassCancelled(DomainEvent):
    """Staff cancelled a whole class; its bookings and waitlist went with it."""

    class_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ClassScheduled(DomainEvent):
    """A session was added to the schedule: generated from a series, or (`series_id` None)
    on its own."""

    class_id: str
    series_id: str | None
    starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class ClassRescheduled(DomainEvent):
    """Staff moved a class to another time (a class nobody holds a spot in or waits for)."""

    class_id: str
    old_starts_at: datetime
    old_ends_at: datetime
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class ClassDetailsChanged(DomainEvent):
    """Staff renamed a class or changed its description, instructor, location or room;
    `changed` names the fields that changed ("instructor, location"), the others are their
    values now."""

    class_id: str
    changed: str
    name: str
    description: str
    instructor: str
    location: str
    room: str = ""  # none, or events recorded before rooms were a class's detail


@dataclass(frozen=True, kw_only=True)
class ClassDeleted(DomainEvent):
    """Staff deleted a class nobody had booked or waited for (one added by mistake)."""

    class_id: str
    name: str
    starts_at: datetime
    series_id: str | None = None


# --- The security log (application/security.py lists these) -------------------------------
# No field ever holds a password, a session key, a token or a one-time code.


@dataclass(frozen=True, kw_only=True)
class SignedIn(DomainEvent):
    """A login signed in, at the member site or the staff admin (`entry`)."""

    user_id: str
    username: str
    client_ip: str
    entry: str  # "site" or "admin"


@dataclass(frozen=True, kw_only=True)
class SignInFailed(DomainEvent):
    """A sign-in was refused: wrong password, no such login, or an inactive one. `username`
    is the name typed (lower-cased, cut to a login's length), which may match no login."""

    username: str
    client_ip: str
    entry: str


@dataclass(frozen=True, kw_only=True)
class SignInLockedOut(DomainEvent):
    """This failure reached the limit: the name typed, or the address, is locked out of
    signing in for a while."""

    username: str
    client_ip: str
    entry: str


@dataclass(frozen=True, kw_only=True)
class SignInRefused(DomainEvent):
    """A sign-in attempt while locked out: refused before any password was checked."""

    username: str
    client_ip: str
    entry: str


@dataclass(frozen=True, kw_only=True)
class LoginRoleChanged(DomainEvent):
    """A login's role changed. `staff`, `superuser`, `active`: the flag's new value where it
    changed (None: unchanged); groups and own permissions added or removed, as names
    separated by ", " ("members.view_member" for a permission). `new_login`: it was created
    with staff or superuser status."""

    user_id: str
    username: str
    staff: bool | None = None
    superuser: bool | None = None
    active: bool | None = None
    groups_added: str = ""
    groups_removed: str = ""
    permissions_added: str = ""
    permissions_removed: str = ""
    new_login: bool = False


@dataclass(frozen=True, kw_only=True)
class GroupPermissionsChanged(DomainEvent):
    """A staff group's permissions changed, and so the role of every login in it (names
    separated by ", ", as in `LoginRoleChanged`)."""

    group_id: str
    group: str
    permissions_added: str = ""
    permissions_removed: str = ""


@dataclass(frozen=True, kw_only=True)
class TwoFactorTurnedOn(DomainEvent):
    """A login confirmed an authenticator app: it signs in with a second factor from now on,
    and has a new set of recovery codes."""

    user_id: str
    username: str


@dataclass(frozen=True, kw_only=True)
class TwoFactorRemoved(DomainEvent):
    """A login's app and recovery codes were removed: by staff, for a lost phone
    (`by_staff`), or turned off by its owner where nothing requires it."""

    user_id: str
    username: str
    by_staff: bool


@dataclass(frozen=True, kw_only=True)
class RecoveryCodesRenewed(DomainEvent):
    """A login made new recovery codes (for a current code); the old ones no longer work."""

    user_id: str
    username: str


@dataclass(frozen=True, kw_only=True)
class RecoveryCodeUsed(DomainEvent):
    """A login gave a recovery code instead of its app's code; `remaining` are left."""

    user_id: str
    username: str
    remaining: int


@dataclass(frozen=True, kw_only=True)
class SecondFactorFailed(DomainEvent):
    """A wrong code (never recorded) where a login's second factor was asked for: its
    password was right, so this is worth a look when it repeats."""

    user_id: str
    username: str
    client_ip: str


@dataclass(frozen=True, kw_only=True)
class MembershipStarted(DomainEvent):
    """A member started a membership of a plan, paid for its first period (until
    `period_end`). Amounts are decimal strings (tax-inclusive `price`, the `tax` in it)."""

    membership_id: str
    member_id: str
    plan_id: str
    plan_name: str
    period_end: datetime
    price: str
    tax: str
    tax_rate: str
    currency: str
    payment_method: str
    payment_reference: str
    recorded_by: str
    payment_id: str = ""  # the MembershipPayment (empty in events recorded before it was kept)


@dataclass(frozen=True, kw_only=True)
class MembershipRenewed(DomainEvent):
    """The next period of a membership was paid (`payment_reference`): it runs until
    `period_end`. Amounts as `MembershipStarted`'s."""

    membership_id: str
    member_id: str
    period_end: datetime
    price: str
    tax: str
    currency: str
    payment_method: str
    payment_reference: str
    recorded_by: str
    payment_id: str = ""  # as MembershipStarted's


@dataclass(frozen=True, kw_only=True)
class MembershipRenewalFailed(DomainEvent):
    """A renewal was not paid: the membership stays until `period_end`, then lapses."""

    membership_id: str
    member_id: str
    period_end: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class MembershipFrozen(DomainEvent):
    """A membership is on hold from `starts_on` to `ends_on` (ISO dates, both included); its
    period end moved on by the frozen days."""

    membership_id: str
    member_id: str
    starts_on: str
    ends_on: str
    period_end: datetime


@dataclass(frozen=True, kw_only=True)
class MembershipUnfrozen(DomainEvent):
    """A membership's hold ended early: `days_given_back` unused days came off its period
    end."""

    membership_id: str
    member_id: str
    days_given_back: int
    period_end: datetime


@dataclass(frozen=True, kw_only=True)
class MembershipCancellationScheduled(DomainEvent):
    """A membership will end at `period_end` instead of renewing."""

    membership_id: str
    member_id: str
    period_end: datetime


@dataclass(frozen=True, kw_only=True)
class MembershipCancellationUndone(DomainEvent):
    """A membership set to end at its period end renews after all."""

    membership_id: str
    member_id: str


@dataclass(frozen=True, kw_only=True)
class MembershipEnded(DomainEvent):
    """A membership's period ended without a renewal: `cancelled` at the period end by
    choice, or not renewed (unpaid)."""

    membership_id: str
    member_id: str
    cancelled: bool


@dataclass(frozen=True, kw_only=True)
class OnlineCheckoutStarted(DomainEvent):
    """A member went to pay for a pack on the payment provider's page (`session_id`); the
    pack is hers once the provider confirms the payment."""

    member_id: str
    product_id: str
    session_id: str
    price: str
    currency: str


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentRefunded(DomainEvent):
    """A payment made online could no longer buy what it was for (`reason`, e.g. the intro
    offer was bought at the desk meanwhile): it was refunded as `refund_reference`."""

    member_id: str
    product_id: str
    session_id: str
    payment_reference: str
    refund_reference: str
    amount: str
    currency: str
    reason: str


# --- Fees (domain/fees.py). Amounts are decimal strings with their currency. ----------------


@dataclass(frozen=True, kw_only=True)
class FeeImposed(DomainEvent):
    """A late cancellation or a no-show (`kind`) charged a fee, per the policy of the credit
    it spent; it is owed until charged, paid at the desk or waived."""

    fee_id: str
    member_id: str
    booking_id: str
    class_id: str
    kind: str
    amount: str
    currency: str


@dataclass(frozen=True, kw_only=True)
class FeeCharged(DomainEvent):
    """The fee was charged to the member's saved card (`reference`: the payment's)."""

    fee_id: str
    member_id: str
    booking_id: str
    class_id: str
    amount: str
    currency: str
    reference: str


@dataclass(frozen=True, kw_only=True)
class FeeChargeFailed(DomainEvent):
    """Charging the fee to her card was declined (`error`); the fee stays owed."""

    fee_id: str
    member_id: str
    error: str


@dataclass(frozen=True, kw_only=True)
class FeePaidAtDesk(DomainEvent):
    """The member paid an owed fee at the front desk, recorded by `recorded_by`."""

    fee_id: str
    member_id: str
    amount: str
    currency: str
    recorded_by: str


@dataclass(frozen=True, kw_only=True)
class FeeWaived(DomainEvent):
    """The fee was waived by `waived_by` (staff, or "system" when a no-show was corrected) for
    `reason`; a fee already charged is refunded to her card (`refund_due`)."""

    fee_id: str
    member_id: str
    amount: str
    currency: str
    waived_by: str
    reason: str
    refund_due: bool = False


@dataclass(frozen=True, kw_only=True)
class FeeRefunded(DomainEvent):
    """A waived fee that had been charged was refunded to her card (`reference`)."""

    fee_id: str
    member_id: str
    amount: str
    currency: str
    reference: str


@dataclass(frozen=True, kw_only=True)
class CreditsWithdrawn(DomainEvent):
    """Unspent credits were taken back off a grant (its pack refunded); spent ones never are."""

    member_id: str
    grant_id: str
    amount: int
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class PurchaseRefunded(DomainEvent):
    """Staff gave money back for a purchase, wholly or in part, and withdrew
    `credits_withdrawn` of its grant's unspent credits. Amounts are decimal strings (the
    refunded `amount`, the `tax` part of it)."""

    refund_id: str
    purchase_id: str
    member_id: str
    product_name: str
    amount: str
    tax: str
    currency: str
    credits_withdrawn: int
    payment_method: str
    reference: str
    reason: str
    recorded_by: str


# --- Memberships paid online (application/online_memberships.py) ---------------------------


@dataclass(frozen=True, kw_only=True)
class MembershipCheckoutStarted(DomainEvent):
    """A member went to pay for a membership plan on the payment provider's page
    (`session_id`), subscribing to be charged `price` every `billing_period`; it starts
    once the provider confirms the first payment."""

    member_id: str
    plan_id: str
    session_id: str
    price: str
    currency: str
    billing_period: str


@dataclass(frozen=True, kw_only=True)
class OnlineMembershipRefunded(DomainEvent):
    """A membership paid online could no longer start (`reason`, e.g. one was started at the
    desk meanwhile): its first payment was refunded as `refund_reference` and its
    subscription `subscription_id` stopped."""

    member_id: str
    plan_id: str
    session_id: str
    subscription_id: str
    payment_reference: str
    refund_reference: str
    amount: str
    currency: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LateMembershipPaymentRefunded(DomainEvent):
    """The provider took a new period's payment (`invoice_id`) of a membership that had
    already ended (`reason`, e.g. a retry that succeeded after `end_memberships` ended it):
    the payment was refunded in full as `refund_reference` and its subscription stopped."""

    membership_id: str
    member_id: str
    subscription_id: str
    invoice_id: str
    refund_reference: str
    amount: str
    currency: str
    reason: str
