"""The front desk's payment adapter: the money was taken at the desk (cash, or a card on the
gym's own terminal) and the staff user records it under their name; a refund is given back
the same way, and recorded so. Online payment will be another adapter of the same port."""

import secrets

from application.selling_ports import Charge, PaymentTaken, RefundRequest
from domain.exceptions import PaymentNotTakenException
from domain.sales import PaymentMethod


class FrontDeskPayments:
    def take(self, charge: Charge) -> PaymentTaken:
        """A desk receipt number for the sale; refused when nobody is named as recording it."""
        return _recorded(charge.method, charge.recorded_by, prefix="DESK-", doing="sale")

    def refund(self, request: RefundRequest) -> PaymentTaken:
        """A desk refund number ("DESK-R…"); refused when nobody is named as recording it."""
        return _recorded(request.method, request.recorded_by, prefix="DESK-R", doing="refund")


def _recorded(method: PaymentMethod, recorded_by: str, *, prefix: str, doing: str) -> PaymentTaken:
    if not recorded_by.strip():
        raise PaymentNotTakenException(
            f"A front-desk {doing} is recorded under a staff member's name."
        )
    return PaymentTaken(
        method=method,
        reference=f"{prefix}{secrets.token_hex(5).upper()}",
        recorded_by=recorded_by.strip(),
    )
