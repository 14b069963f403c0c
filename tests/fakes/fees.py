"""In-memory twins of the fee ports: fees, the fee policies of credits, and a saved card
that honours idempotency keys (and can be told to decline, or be missing)."""

from domain.exceptions import FeeNotFoundException, PaymentNotTakenException
from domain.fees import NO_FEES, Fee, FeeKind, FeeTerms
from domain.sales import Money
from tests.fakes.repositories import ConstraintViolation, InMemoryBookingRepository, _Table


class InMemoryFeeRepository(_Table):
    """Refuses a second fee of one booking and kind, as the unique constraint does."""

    not_found = FeeNotFoundException

    def get_by_id(self, fee_id: str, *, for_update: bool = False) -> Fee:
        return self._read(fee_id)

    def get_for_booking(
        self, booking_id: str, kind: FeeKind, *, for_update: bool = False
    ) -> Fee | None:
        found = [f for f in self.all() if f.booking_id == booking_id and f.kind is kind]
        return found[0] if found else None

    def add(self, fee: Fee) -> None:
        if any(f.booking_id == fee.booking_id and f.kind is fee.kind for f in self.all()):
            raise ConstraintViolation("one fee per booking and kind")
        self._write(fee.id, fee)

    def save(self, fee: Fee) -> None:
        self._write(fee.id, fee)


class InMemoryFeePolicies:
    """The fees of the credits of each grant (`carry`), as a product's would be."""

    def __init__(self, bookings: InMemoryBookingRepository) -> None:
        self._bookings = bookings
        self._by_grant: dict[str, FeeTerms] = {}

    def carry(self, grant_id: str, terms: FeeTerms) -> None:
        """Setup: the credits of `grant_id` came from a pack with these fees."""
        self._by_grant[grant_id] = terms

    def for_booking(self, booking_id: str) -> FeeTerms:
        return self.for_grant(self._bookings.get_by_id(booking_id).credit_grant_id or "")

    def for_grant(self, grant_id: str) -> FeeTerms:
        return self._by_grant.get(grant_id, NO_FEES)


class FakeCardOnFile:
    """Members with a saved card (`cards`), those whose card declines (`declining`); each
    idempotency key is charged once (`charges`: key → (member, amount, reference))."""

    def __init__(self) -> None:
        self.cards: set[str] = set()
        self.declining: set[str] = set()
        self.charges: dict[str, tuple[str, Money, str]] = {}
        self.refunds: dict[str, tuple[str, Money, str]] = {}
        self.calls = 0

    def charge(
        self, member_id: str, amount: Money, description: str, idempotency_key: str
    ) -> str | None:
        self.calls += 1
        if member_id not in self.cards:
            return None
        if member_id in self.declining:
            raise PaymentNotTakenException("Your card was declined.")
        if idempotency_key not in self.charges:
            reference = f"CARD-{len(self.charges) + 1}"
            self.charges[idempotency_key] = (member_id, amount, reference)
        return self.charges[idempotency_key][2]

    def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        if idempotency_key not in self.refunds:
            self.refunds[idempotency_key] = (reference, amount, f"REFUND-{len(self.refunds) + 1}")
        return self.refunds[idempotency_key][2]
