"""The payment port as the site uses it: sales are taken at the front desk (online sales are
paid on Stripe's page and only recorded), and a refund goes back the way its sale was paid —
to the card through Stripe for a purchase paid online, at the desk for any other."""

from application.selling_ports import Charge, PaymentTaken, RefundRequest
from domain.exceptions import PaymentNotTakenException
from domain.sales import PaymentMethod
from payments.stripe_gateway import StripeRefunds
from sales.payments import FrontDeskPayments


class PaymentsByMethod:
    def __init__(self, desk: FrontDeskPayments, online: StripeRefunds | None) -> None:
        self.desk = desk
        self.online = online

    def take(self, charge: Charge) -> PaymentTaken:
        return self.desk.take(charge)

    def refund(self, request: RefundRequest) -> PaymentTaken:
        """Refused, with nothing changed, for a purchase paid online where Stripe is not
        configured: the desk cannot put money back on a card."""
        if request.method != PaymentMethod.ONLINE:
            return self.desk.refund(request)
        if self.online is None:
            raise PaymentNotTakenException(
                "This purchase was paid online, and online payment is not configured here, "
                "so it cannot be refunded to the card."
            )
        return self.online.refund(request)
