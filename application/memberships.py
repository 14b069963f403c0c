"""Memberships: started and renewed against a payment, frozen, cancelled at the period end,
and ended once their period is over without a renewal. Each change is a domain event in the
same transaction as the membership itself, and each period paid a `MembershipPayment`.

Locking: the member's row first, as for any change to what she may book with, so a change
to her membership and a booking she makes queue one behind the other.
"""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from application.selling_ports import Charge, PaymentGateway, PaymentTaken
from application.unit_of_work import UnitOfWork
from application.use_cases import UseCase
from domain.entities import Member
from domain.events import (
    MembershipCancellationScheduled,
    MembershipCancellationUndone,
    MembershipEnded,
    MembershipFrozen,
    MembershipRenewalFailed,
    MembershipRenewed,
    MembershipStarted,
    MembershipUnfrozen,
)
from domain.exceptions import AlreadyAMemberException, MembershipNotFoundException
from domain.membership_payments import MembershipPayment, MembershipPaymentKind
from domain.memberships import Freeze, Membership, MembershipPlan
from domain.sales import PaymentMethod, ensure_may_buy


def membership_of(member: Member) -> Membership:
    """The member's live membership, or the refusal that she has none."""
    if member.membership is None:
        raise MembershipNotFoundException()
    return member.membership


def _locked(uow: UnitOfWork, member_id: str) -> tuple[Member, Membership]:
    member = uow.members.get_by_id(member_id, for_update=True)
    return member, membership_of(member)


def joinable_plan(uow: UnitOfWork, member: Member, plan_id: str) -> MembershipPlan:
    """The plan, if `member` may start a membership of it (at the desk or online)."""
    ensure_may_buy(member)
    if member.membership is not None:
        raise AlreadyAMemberException()
    plan = uow.membership_plans.get_by_id(plan_id)
    plan.ensure_sellable()
    return plan


def _paid(
    uow: UnitOfWork,
    membership: Membership,
    kind: MembershipPaymentKind,
    paid: PaymentTaken,
    now: datetime,
) -> MembershipPayment:
    """The payment of the period `membership` is now in, kept with it in the transaction."""
    payment = MembershipPayment.for_current_period(
        membership,
        kind,
        method=paid.method,
        reference=paid.reference,
        recorded_by=paid.recorded_by,
        now=now,
    )
    uow.membership_payments.add(payment)
    return payment


@dataclass(kw_only=True)
class StartMembershipUseCase(UseCase):
    """Sell a membership of a plan to a member, its first period paid through `payments`."""

    payments: PaymentGateway

    def execute(
        self,
        member_id: str,
        plan_id: str,
        *,
        method: PaymentMethod,
        recorded_by: str,
        payment: PaymentTaken | None = None,
        subscription_id: str = "",
    ) -> Membership:
        """Refused, with nothing changed, for a plan off sale, a member who has a live
        membership, a closed or erased account, or a payment not taken. `payment`: one
        already taken (online, renewed by the processor's `subscription_id`)."""
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id, for_update=True)
            plan = joinable_plan(uow, member, plan_id)
            paid = payment or self.payments.take(
                Charge(
                    member_id=member_id,
                    amount=plan.price,
                    method=PaymentMethod(method),
                    recorded_by=recorded_by,
                    description=f"{plan.name} membership",
                )
            )
            now = self.clock.now()
            membership = Membership.start(
                member_id, plan, method=paid.method.value, reference=paid.reference, now=now
            )
            membership.external_subscription_id = subscription_id
            member.membership = membership
            uow.members.save(member)
            kept = _paid(uow, membership, MembershipPaymentKind.START, paid, now)
            uow.record(
                MembershipStarted(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    plan_id=plan.plan_id,
                    plan_name=plan.name,
                    period_end=membership.period_end,
                    price=str(plan.price.amount),
                    tax=str(plan.tax.amount),
                    tax_rate=str(plan.tax_rate),
                    currency=plan.price.currency,
                    payment_method=paid.method.value,
                    payment_reference=paid.reference,
                    recorded_by=paid.recorded_by,
                    payment_id=kept.payment_id,
                    occurred_at=now,
                )
            )
        return membership


@dataclass(kw_only=True)
class RenewMembershipUseCase(UseCase):
    """The next period is paid: the membership's period moves on by one billing period, at
    the price of the terms she signed up to."""

    payments: PaymentGateway

    def execute(
        self,
        member_id: str,
        *,
        payment: PaymentTaken | None = None,
        method: PaymentMethod = PaymentMethod.CASH,
        recorded_by: str = "",
    ) -> bool:
        """`payment`: one already taken (an online renewal gives the processor's invoice
        id), applied once whatever the replays — False when it was applied already. Without
        it the money is taken through `payments` (`method`, `recorded_by`: the desk), which is
        refused for a membership its online subscription renews."""
        with self.uow() as uow:
            member, membership = _locked(uow, member_id)
            plan = membership.plan
            if payment is None:
                membership.ensure_renewable_at_desk()
                payment = self.payments.take(
                    Charge(
                        member_id=member_id,
                        amount=plan.price,
                        method=PaymentMethod(method),
                        recorded_by=recorded_by,
                        description=f"{plan.name} membership renewal",
                    )
                )
            now = self.clock.now()
            if not membership.renew(payment.reference, now=now):
                return False
            uow.members.save(member)
            kept = _paid(uow, membership, MembershipPaymentKind.RENEWAL, payment, now)
            uow.record(
                MembershipRenewed(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    period_end=membership.period_end,
                    price=str(plan.price.amount),
                    tax=str(plan.tax.amount),
                    currency=plan.price.currency,
                    payment_method=payment.method.value,
                    payment_reference=payment.reference,
                    recorded_by=payment.recorded_by,
                    payment_id=kept.payment_id,
                    occurred_at=now,
                )
            )
        return True


@dataclass(kw_only=True)
class RecordRenewalFailureUseCase(UseCase):
    """A renewal was not paid: recorded on the membership (until a renewal is paid) and in
    the log; it stays until its period end, when `EndLapsedMembershipsUseCase` ends it."""

    def execute(self, member_id: str, reason: str) -> None:
        with self.uow() as uow:
            member, membership = _locked(uow, member_id)
            now = self.clock.now()
            membership.record_renewal_failure(now=now)
            uow.members.save(member)
            uow.record(
                MembershipRenewalFailed(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    period_end=membership.period_end,
                    reason=reason.strip(),
                    occurred_at=now,
                )
            )


@dataclass(kw_only=True)
class _OnTheGymsClock(UseCase):
    """A change named in days on the gym's clock `zone`."""

    zone: tzinfo

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()


@dataclass(kw_only=True)
class FreezeMembershipUseCase(_OnTheGymsClock):
    """Put a membership on hold (at most `max_days` at a time, not in the past): no class
    is booked on it then, and its period end moves on by the frozen days."""

    max_days: int

    def execute(self, member_id: str, starts_on: date, ends_on: date) -> Freeze:
        with self.uow() as uow:
            member, membership = _locked(uow, member_id)
            hold = membership.freeze(starts_on, ends_on, today=self.today(), max_days=self.max_days)
            uow.members.save(member)
            uow.record(
                MembershipFrozen(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    starts_on=hold.starts_on.isoformat(),
                    ends_on=hold.ends_on.isoformat(),
                    period_end=membership.period_end,
                    occurred_at=self.clock.now(),
                )
            )
        return hold


@dataclass(kw_only=True)
class UnfreezeMembershipUseCase(_OnTheGymsClock):
    """End a membership's hold today (or drop one not begun); returns the days given back."""

    def execute(self, member_id: str) -> int:
        with self.uow() as uow:
            member, membership = _locked(uow, member_id)
            days = membership.unfreeze(today=self.today())
            uow.members.save(member)
            uow.record(
                MembershipUnfrozen(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    days_given_back=days,
                    period_end=membership.period_end,
                    occurred_at=self.clock.now(),
                )
            )
        return days


@dataclass(kw_only=True)
class CancelMembershipUseCase(UseCase):
    """End a membership at the end of its period instead of renewing it (nothing is
    refunded); with `undo`, renew after all — allowed until the period ends."""

    def execute(self, member_id: str, *, undo: bool = False) -> Membership:
        with self.uow() as uow:
            member, membership = _locked(uow, member_id)
            now = self.clock.now()
            if undo:
                membership.undo_cancellation()
                event = MembershipCancellationUndone(
                    membership_id=membership.membership_id, member_id=member_id, occurred_at=now
                )
            else:
                membership.schedule_cancellation()
                event = MembershipCancellationScheduled(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    period_end=membership.period_end,
                    occurred_at=now,
                )
            uow.members.save(member)
            uow.record(event)
        return membership


@dataclass(kw_only=True)
class EndLapsedMembershipsUseCase(UseCase):
    """End a member's membership whose period is over (cancelled, or not renewed), once:
    `manage.py end_memberships` runs it for each (one transaction per member)."""

    def execute(self, member_id: str) -> bool:
        """False when there was nothing to end (renewed meanwhile, or ended already)."""
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id, for_update=True)
            membership = member.membership
            now = self.clock.now()
            if membership is None or not membership.has_lapsed(now):
                return False
            membership.end(now=now)
            uow.members.save(member)
            uow.record(
                MembershipEnded(
                    membership_id=membership.membership_id,
                    member_id=member_id,
                    cancelled=membership.cancel_at_period_end,
                    occurred_at=now,
                )
            )
        return True
