"""The front desk's payment adapter: the money was taken at the desk (cash, or a card on the
gym's own terminal) and the staff user records it under their name. Online payment will be
another adapter of the same port."""

import secrets

from application.ports import Charge, PaymentTaken
from domain.exceptions import PaymentNotTakenException


class FrontDeskPayments:
    def take(self, charge: Charge) -> PaymentTaken:
        """A desk receipt number for the sale; refused when nobody is named as recording it."""
        if not charge.recorded_by.strip():
            raise PaymentNotTakenException(
                "A front-desk sale is recorded under a staff member's name."
            )
        return PaymentTaken(
            method=charge.method,
            reference=f"DESK-{secrets.token_hex(5).upper()}",
            recorded_by=charge.recorded_by.strip(),
        )
