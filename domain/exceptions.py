"""One hierarchy for business refusals. Each message is written for the member who reads it."""


class DomainException(Exception):
    """A business rule refused the request. `str(exc)` is safe to show to a member."""

    default_message = "That is not possible."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class NotFoundException(DomainException):
    """Something the request names does not exist (or is not the requester's to see)."""

    default_message = "Not found."


class MemberNotFoundException(NotFoundException):
    default_message = "That member does not exist."


class ClassNotFoundException(NotFoundException):
    default_message = "That class does not exist."


class BookingNotFoundException(NotFoundException):
    default_message = "That booking does not exist."


class OfferNotFoundException(NotFoundException):
    default_message = "There is no such offer."


class WaitlistEntryNotFoundException(NotFoundException):
    default_message = "You are not on the waitlist for this class."


class InvalidEmailException(DomainException):
    default_message = "That is not a valid e-mail address."


class InvalidMemberException(DomainException):
    default_message = "Please give the member's name."


class InvalidCreditAmountException(DomainException):
    default_message = "Credits are granted in whole positive numbers with a positive expiry."


class InvalidClassException(DomainException):
    default_message = "A class needs a name, a positive capacity and a positive duration."


class ClassHasMembersException(DomainException):
    default_message = "Members are booked on this class or waiting for it."


class NoCreditsException(DomainException):
    default_message = (
        "You have no credits left. Class packs are in the shop, online or at the front desk."
    )


class ClassFullException(DomainException):
    default_message = "This class is full — join the waitlist?"


class AlreadyBookedException(DomainException):
    default_message = "You are already booked on this class."


class OverlappingBookingException(DomainException):
    default_message = "You are already booked on another class at that time."


class ClassAlreadyStartedException(DomainException):
    default_message = "This class has already started, so it can no longer be changed."


class ClassCancelledException(DomainException):
    default_message = "This class has been cancelled."


class BookingNotCancellableException(DomainException):
    default_message = "This booking can no longer be cancelled."


class LateBookingNotConfirmedException(DomainException):
    """A member booking inside the cancellation window has not confirmed what that means."""

    default_message = "This booking could not be cancelled with a refund. Confirm to book."


class BookingNotOpenException(DomainException):
    default_message = "Booking for this class has not opened yet."


class TooManyBookingsException(DomainException):
    default_message = "You have as many upcoming bookings as the gym allows at once."


class BookingsPausedException(DomainException):
    default_message = (
        "Booking is paused on your account after repeated no-shows. "
        "Ask the front desk if you think this is a mistake."
    )


class AttendanceNotRecordableException(DomainException):
    default_message = "A cancelled booking has no attendance to record."


class AttendanceNotOpenException(DomainException):
    default_message = "Attendance can be recorded from an hour before the class starts."


class AlreadyOnWaitlistException(DomainException):
    default_message = "You are already on the waitlist for this class."


class WaitlistClosedException(DomainException):
    default_message = "Nobody is promoted from this waitlist any more, so it can't be joined."


class OutsideOpeningHoursException(DomainException):
    """A class placed where or when its location is not open (the message says why)."""

    default_message = "The location is not open then."


class InvalidBallotException(DomainException):
    default_message = (
        "A ballot collects requests for more than no time and at most a day after booking "
        "opens, for zero or more spots."
    )


class InvalidPromotionPolicyException(DomainException):
    default_message = (
        "A waitlist's promotion needs an offer time above zero and mode switches some time "
        "before the class."
    )


class OfferNoLongerOpenException(DomainException):
    default_message = "This offer is no longer open: the spot went to someone else or it ran out."


class WaitlistNotNeededException(DomainException):
    default_message = "This class still has free spots — book instead."


class CapacityBelowBookingsException(DomainException):
    default_message = "The capacity cannot be lower than the number of confirmed bookings."


class EmailAlreadyRegisteredException(DomainException):
    default_message = (
        "An account with that e-mail address already exists. Sign in, or reset your password "
        "if you have forgotten it."
    )


class ProductNotFoundException(NotFoundException):
    default_message = "That product does not exist."


class InvalidProductException(DomainException):
    default_message = (
        "A class pack needs a name, a whole positive number of credits and of days, a price "
        "of zero or more in a three-letter currency, and a tax rate from 0 to 100 percent."
    )


class InvalidCreditScopeException(DomainException):
    default_message = (
        'List the class names separated by commas, e.g. "Yoga, Pilates", each at most 120 '
        "characters (none empty), or leave it empty for every class."
    )


class InvalidMoneyException(DomainException):
    default_message = "An amount is a decimal number of cents or more in a three-letter currency."


class ProductNotOnSaleException(DomainException):
    default_message = "This product is no longer on sale."


class IntroOfferAlreadyBoughtException(DomainException):
    default_message = "This member has already bought this intro offer: it is sold once per member."


class MemberCannotBuyException(DomainException):
    default_message = "This member's account is closed or erased, so nothing can be sold to it."


class PaymentNotTakenException(DomainException):
    default_message = "The payment was not taken, so nothing was sold."


class OnlinePaymentUnavailableException(DomainException):
    default_message = (
        "Paying online is not possible right now, so nothing was charged. Please try again "
        "later, or buy at the front desk."
    )


class PaidAmountMismatchException(DomainException):
    default_message = "The amount paid is not the pack's price now, so the payment is refunded."


class FeeNotFoundException(NotFoundException):
    default_message = "That fee does not exist."


class FeeNotWaivableException(DomainException):
    default_message = "This fee can no longer be waived."


class FeeNotPayableException(DomainException):
    default_message = "Only an owed fee can be paid at the desk."


class InvalidFeeException(DomainException):
    default_message = "A fee is an amount above zero, in the credit's currency."


class PurchaseNotFoundException(NotFoundException):
    default_message = "That purchase does not exist."


class InvalidRefundReasonException(DomainException):
    default_message = "Say why the purchase is refunded, in 500 characters or fewer."


class InvalidRefundAmountException(DomainException):
    default_message = (
        "A refund is an amount of more than zero, in the sale's currency, and at most what "
        "was paid less what was already refunded."
    )


class GrantNotFoundException(NotFoundException):
    default_message = "That grant of credits does not exist."


class InvalidCreditWithdrawalException(DomainException):
    default_message = (
        "Credits withdrawn are a whole number from zero to the grant's unspent credits: "
        "spent or expired credits cannot be taken back."
    )


class InvalidMembershipPlanException(DomainException):
    default_message = (
        "A membership plan needs a name, a price of zero or more in a three-letter currency, a "
        "tax rate from 0 to 100 percent, a billing period, unlimited classes or a whole "
        "positive number per week or month, 0 to 365 extra booking days, and fees (if any) in "
        "the price's currency."
    )


class MembershipPlanNotFoundException(NotFoundException):
    default_message = "That membership plan does not exist."


class PlanNotOnSaleException(DomainException):
    default_message = "This membership plan is no longer on sale."


class MembershipNotFoundException(NotFoundException):
    default_message = "There is no membership to change: none has been started."


class AlreadyAMemberException(DomainException):
    default_message = "This member already has a membership; it has to end before another starts."


class MembershipEndedException(DomainException):
    default_message = "This membership has ended."


class MembershipBilledOnlineException(DomainException):
    default_message = (
        "This membership renews by card through its online subscription; recording a desk "
        "renewal as well would make her pay twice for one period."
    )


class MembershipNotCancellableException(DomainException):
    default_message = "This membership cannot be cancelled now."


class InvalidFreezeException(DomainException):
    default_message = "Those freeze dates are not possible."


class MembershipFrozenException(DomainException):
    default_message = (
        "Your membership is on hold that day, so no class can be booked on it. Unfreeze it on "
        "your membership page to book."
    )


class AllowanceUsedUpException(DomainException):
    default_message = (
        "You have booked every class your plan includes for that period. Class packs in the "
        "shop let you book more."
    )
