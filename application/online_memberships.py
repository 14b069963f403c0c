"""Memberships bought online and billed by the card provider's subscription: the member pays
the first period on the provider's hosted page and is charged again every period until she
cancels; the provider's confirmations start and renew the membership here.

As for packs (`application.online_sales`), starting a checkout checks the desk's rules, the
provider is called outside any transaction, and a paid checkout that can no longer start a
membership (one started at the desk meanwhile, the plan off sale, the account closed) is
refunded and its subscription stopped, recorded so, never dropped.

A member's own changes to a membership billed online (cancel at the period end and undo,
freeze and unfreeze) are told to the provider first, outside the transaction: when it says
no, nothing changes here. Each is rehearsed on a copy before, so what the membership refuses
never reaches the provider. A membership paid at the desk is changed here only.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from application.memberships import (
    CancelMembershipUseCase,
    FreezeMembershipUseCase,
    StartMembershipUseCase,
    UnfreezeMembershipUseCase,
    joinable_plan,
    membership_of,
)
from application.online_sales import ONLINE_RECORDER
from application.selling_ports import (
    CheckoutSession,
    OnlineCheckout,
    PaymentTaken,
    SubscriptionRequest,
    Subscriptions,
)
from application.use_cases import UseCase
from domain.events import MembershipCheckoutStarted, OnlineMembershipRefunded
from domain.exceptions import (
    DomainException,
    OnlinePaymentUnavailableException,
    PaidAmountMismatchException,
)
from domain.memberships import BillingPeriod, Freeze, Membership
from domain.sales import Money, PaymentMethod
from domain.values import new_id

UNCHANGED = (
    "Your membership is billed by card online, and the card provider could not be reached "
    "or refused the change, so nothing was changed. Please try again later, or ask at the "
    "front desk."
)

# The provider's word for each billing period (Stripe's `recurring[interval]`).
INTERVALS = {BillingPeriod.MONTHLY: "month", BillingPeriod.YEARLY: "year"}


@dataclass(kw_only=True)
class StartMembershipCheckoutUseCase(UseCase):
    """Send a member to subscribe to a plan online; `checkout` is None where online payment
    is not configured."""

    checkout: OnlineCheckout | None

    def execute(
        self, member_id: str, plan_id: str, *, success_url: str, cancel_url: str
    ) -> CheckoutSession:
        """The provider's page to subscribe on; refused, with nothing charged, as the desk
        would refuse to start the membership, or when paying online is not possible."""
        if self.checkout is None:
            raise OnlinePaymentUnavailableException()
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id)
            plan = joinable_plan(uow, member, plan_id)
        session = self.checkout.start_subscription(
            SubscriptionRequest(
                member_id=member_id,
                member_name=member.name,
                member_email=str(member.email),
                plan_id=plan_id,
                plan_name=f"{plan.name} membership",
                amount=plan.price,
                interval=INTERVALS[plan.billing_period],
                success_url=success_url,
                cancel_url=cancel_url,
            )
        )
        with self.uow() as uow:
            uow.record(
                MembershipCheckoutStarted(
                    member_id=member_id,
                    plan_id=plan_id,
                    session_id=session.session_id,
                    price=str(plan.price.amount),
                    currency=plan.price.currency,
                    billing_period=plan.billing_period.value,
                    occurred_at=self.clock.now(),
                )
            )
        return session


@dataclass(frozen=True)
class PaidSubscription:
    """What the provider confirmed: the first period of a subscription paid in full
    (`invoice_id`), for whom and which plan."""

    session_id: str
    member_id: str
    plan_id: str
    subscription_id: str
    invoice_id: str
    amount: Money


@dataclass(frozen=True)
class SubscriptionOutcome:
    """The membership a paid subscription started, or the refund it became and why."""

    membership: Membership | None = None
    refund_reference: str = ""
    reason: str = ""


@dataclass(kw_only=True)
class CompleteMembershipCheckoutUseCase(UseCase):
    """Start the membership a subscription paid for (the desk's start, paid online), or
    refund it and stop the subscription."""

    checkout: OnlineCheckout | None
    start: StartMembershipUseCase

    def execute(self, paid: PaidSubscription) -> SubscriptionOutcome:
        """One transaction: the membership (renewed by the subscription) and the card kept
        for fees, or the refund's event. The refund is keyed by the session, so a retried
        delivery refunds once."""
        if self.checkout is None:
            raise OnlinePaymentUnavailableException()
        with self.uow() as uow:
            try:
                uow.members.get_by_id(paid.member_id, for_update=True)
                if uow.membership_plans.get_by_id(paid.plan_id).price != paid.amount:
                    raise PaidAmountMismatchException(
                        "The amount paid is not the plan's price now, so the payment is refunded."
                    )
                membership = self.start.execute(
                    paid.member_id,
                    paid.plan_id,
                    method=PaymentMethod.ONLINE,
                    recorded_by=ONLINE_RECORDER,
                    payment=PaymentTaken(
                        method=PaymentMethod.ONLINE,
                        reference=paid.invoice_id,
                        recorded_by=ONLINE_RECORDER,
                    ),
                    subscription_id=paid.subscription_id,
                )
            except DomainException as refusal:
                reference = self.checkout.refund_subscription(
                    paid.subscription_id, paid.invoice_id, f"refund-{paid.session_id}"
                )
                uow.record(_refunded(paid, reference, refusal.message, self.clock.now()))
                return SubscriptionOutcome(refund_reference=reference, reason=refusal.message)
            self.checkout.keep_subscription_card(paid.member_id, paid.subscription_id)
        return SubscriptionOutcome(membership=membership)


def _refunded(
    paid: PaidSubscription, reference: str, reason: str, now: datetime
) -> OnlineMembershipRefunded:
    return OnlineMembershipRefunded(
        member_id=paid.member_id,
        plan_id=paid.plan_id,
        session_id=paid.session_id,
        subscription_id=paid.subscription_id,
        payment_reference=paid.invoice_id,
        refund_reference=reference,
        amount=str(paid.amount.amount),
        currency=paid.amount.currency,
        reason=reason,
        occurred_at=now,
    )


@dataclass(kw_only=True)
class MembershipChangesUseCase(UseCase):
    """A member's changes to her membership, told first to the provider that bills it
    (`subscriptions`; None where online payment is not configured)."""

    subscriptions: Subscriptions | None
    cancel: CancelMembershipUseCase
    freeze_use_case: FreezeMembershipUseCase
    unfreeze_use_case: UnfreezeMembershipUseCase

    def cancel_at_period_end(self, member_id: str, *, undo: bool = False) -> Membership:
        """Stop renewing at the period end (or renew after all): the subscription too."""
        self._tell_provider(
            member_id,
            lambda membership: (
                membership.undo_cancellation() if undo else membership.schedule_cancellation()
            ),
            lambda provider, subscription, key: provider.cancel_at_period_end(
                subscription, not undo, key
            ),
        )
        return self.cancel.execute(member_id, undo=undo)

    def freeze(self, member_id: str, starts_on: date, ends_on: date) -> Freeze:
        """Hold the membership; its subscription charges nothing until the day after."""
        today = self.freeze_use_case.today()
        max_days = self.freeze_use_case.max_days
        resumes_at = datetime.combine(
            ends_on + timedelta(days=1), time(), tzinfo=self.freeze_use_case.zone
        )
        self._tell_provider(
            member_id,
            lambda membership: membership.freeze(
                starts_on, ends_on, today=today, max_days=max_days
            ),
            lambda provider, subscription, key: provider.pause(subscription, resumes_at, key),
        )
        return self.freeze_use_case.execute(member_id, starts_on, ends_on)

    def unfreeze(self, member_id: str) -> int:
        """End the hold today; its subscription charges as before."""
        today = self.unfreeze_use_case.today()
        self._tell_provider(
            member_id,
            lambda membership: membership.unfreeze(today=today),
            lambda provider, subscription, key: provider.pause(subscription, None, key),
        )
        return self.unfreeze_use_case.execute(member_id)

    def _tell_provider(
        self,
        member_id: str,
        rehearse: Callable[[Membership], object],
        tell: Callable[[Subscriptions, str, str], None],
    ) -> None:
        """Refused as the membership would refuse the change; then, for one billed online,
        the provider told (a key of its own for each change, kept across the SDK's retries)."""
        with self.uow() as uow:
            membership = membership_of(uow.members.get_by_id(member_id))
        rehearse(copy.deepcopy(membership))
        subscription = membership.external_subscription_id
        if not subscription:
            return
        if self.subscriptions is None:
            raise OnlinePaymentUnavailableException(
                "This membership is billed online, and online payment is not configured "
                "here, so it cannot be changed now. Please ask at the front desk."
            )
        try:
            tell(self.subscriptions, subscription, f"{subscription}-{new_id()}")
        except OnlinePaymentUnavailableException as refusal:
            raise OnlinePaymentUnavailableException(UNCHANGED) from refusal
