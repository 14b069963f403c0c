"""What members are told about each notice, shared by every channel (e-mail and in-app), so
the in-app list says what the e-mails say. Every time in them is the class's, on its
location's clock (`FitnessClass.time_zone`)."""

from application.ports import Notice, NoticeKind
from domain.entities import FitnessClass
from web import formatting

# Filled with the class name and its local start, e.g. "You're booked: Spin, Tue 1 Dec 18:00".
SUBJECTS: dict[NoticeKind, str] = {
    NoticeKind.BOOKING_CONFIRMED: "You're booked: {name}, {when}",
    NoticeKind.BOOKING_CANCELLED: "Booking cancelled: {name}, {when}",
    NoticeKind.PROMOTED_FROM_WAITLIST: "You're in! A spot opened up: {name}, {when}",
    NoticeKind.CLASS_CANCELLED: "Class cancelled: {name}, {when}",
    NoticeKind.CLASS_REMINDER: "Reminder: {name}, {when}",
    NoticeKind.SKIPPED_ON_WAITLIST: "A spot came up, but you couldn't be promoted: {name}, {when}",
    NoticeKind.FEE_OWED: "A fee applies: {name}, {when}",
    NoticeKind.FEE_CHARGED: "Fee charged to your card: {name}, {when}",
}


def notice_subject(kind: NoticeKind, fitness_class: FitnessClass) -> str:
    """The subject line of a notice: the class's name and its start on its location's clock."""
    return SUBJECTS[kind].format(
        # A subject is one line, whatever the class name holds.
        name=" ".join(fitness_class.name.split()),
        when=formatting.member_time(fitness_class.starts_at, fitness_class.time_zone),
    )


def promotion_cancellation_terms(notice: Notice, fitness_class: FitnessClass) -> str:
    """What a promoted member may still do about her spot, by the rule that applies to her
    (the refund's deadline on the class's clock)."""
    if notice.refundable_until is None:
        return "Can't make it after all? Please cancel so the next person can have your spot."
    until = formatting.member_time(notice.refundable_until, fitness_class.time_zone)
    if notice.grace:
        return (
            "You were promoted close to the start, inside the cancellation window, so you may "
            f"still cancel with a refund until {until}; after that it cannot be cancelled "
            "for a refund."
        )
    return (
        f"Can't make it after all? Cancel before {until} and your credit is refunded, so the "
        "next person can have your spot."
    )


def what_it_cost(notice: Notice) -> str:
    """What the booking a notice is about cost her, or gave back: a credit, or a class of her
    membership's allowance. The same sentence in the app and in e-mails."""
    match notice.kind:
        case NoticeKind.PROMOTED_FROM_WAITLIST:
            if notice.by_membership:
                return "You're in — a spot opened up and we booked you in on your membership."
            return "You're in — a spot opened up and we booked you in; one credit was used."
        case NoticeKind.BOOKING_CANCELLED if notice.by_membership:
            if notice.late:
                return "This was a late cancellation, so it still counts against your plan."
            return "The class no longer counts against your plan."
        case NoticeKind.BOOKING_CANCELLED:
            if notice.refunded:
                return "Your credit has been refunded."
            return "This was a late cancellation, so the credit is not refunded."
        case NoticeKind.CLASS_CANCELLED:
            if notice.refunded:
                return "Your credit has been refunded."
            if notice.by_membership:
                return "Your membership paid for it, so no credit was used."
            return "You were on the waitlist, so no credit was used."
    return ""


def notice_body(notice: Notice, fitness_class: FitnessClass) -> str:
    """The gist of the e-mail (templates/emails/<kind>.txt), one sentence a line."""
    reason = f" Reason: {notice.reason}" if notice.reason else ""
    match notice.kind:
        case NoticeKind.BOOKING_CONFIRMED:
            lines = ["You're booked. See you there!"]
        case NoticeKind.PROMOTED_FROM_WAITLIST:
            lines = [what_it_cost(notice), promotion_cancellation_terms(notice, fitness_class)]
        case NoticeKind.BOOKING_CANCELLED:
            lines = [f"Your booking has been cancelled.{reason}", what_it_cost(notice)]
        case NoticeKind.CLASS_CANCELLED:
            lines = [f"Sorry, this class has been cancelled.{reason}", what_it_cost(notice)]
        case NoticeKind.CLASS_REMINDER:
            lines = ["See you soon! Can't make it? Cancel so someone waiting can have your spot."]
        case NoticeKind.SKIPPED_ON_WAITLIST:
            lines = [
                "A spot came up, but we could not give it to you: to be promoted you need "
                f"{notice.reason}.",
                "You keep your place on the waitlist.",
            ]
        case NoticeKind.FEE_OWED | NoticeKind.FEE_CHARGED:
            lines = fee_lines(notice)
    return "\n".join(lines)


def fee_lines(notice: Notice) -> list[str]:
    """A fee's notice: what it is (`reason`), and how it is paid."""
    if notice.kind is NoticeKind.FEE_CHARGED:
        return [f"We charged the fee of {notice.reason} to your saved card."]
    return [
        f"A {notice.reason} applies to this booking.",
        "It is charged to your saved card if you have one; otherwise please pay it at the "
        "front desk. Your fees page lists it.",
    ]
