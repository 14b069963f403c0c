"""What Stripe's events do to a membership bought online, whose subscription renews it.

- A paid checkout in subscription mode starts the membership (or is refunded and its
  subscription cancelled when it can no longer start).
- `invoice.paid` for a new period (`subscription_cycle`) renews it, once per invoice however
  often or late it arrives; the first invoice (`subscription_create`) is its checkout's.
  Paid only after the membership ended (Stripe's retries outlasting its period), it is
  refunded and the subscription stopped, once per invoice.
- `invoice.payment_failed` is recorded: the membership stays until its period end, when
  `end_memberships` ends it unless a later payment renewed it. A failure reported after the
  same invoice was paid (a late delivery) records nothing.
- `customer.subscription.deleted` (cancelled in Stripe's dashboard, or after the failed
  payments' retries): the membership ends at the end of the period she paid for.

Any other event about a subscription no live membership renews by is not ours (200,
ignored).
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from application.bootstrap import Services
from application.late_membership_payments import LatePayment
from application.online_memberships import PaidSubscription
from application.online_sales import ONLINE_RECORDER
from application.selling_ports import PaymentTaken
from domain.sales import PaymentMethod
from members.models import Membership as MembershipRow
from payments.stripe_gateway import from_minor_units
from payments.webhooks import Acted, NotOurs, completes, handles


@completes("subscription")
def membership_checkout_completed(services: Services, session: dict[str, Any]) -> Acted:
    metadata = session.get("metadata") or {}
    if "member_id" not in metadata or "plan_id" not in metadata:
        raise NotOurs("this checkout was not started by gymbooking.")
    member_id = metadata["member_id"]
    if session.get("payment_status") != "paid":
        return Acted(f"Not paid yet ({session.get('payment_status')}): nothing started.", member_id)
    outcome = services.complete_membership_checkout.execute(
        PaidSubscription(
            session_id=session["id"],
            member_id=member_id,
            plan_id=metadata["plan_id"],
            subscription_id=session["subscription"],
            invoice_id=session["invoice"],
            amount=from_minor_units(session["amount_total"], session["currency"]),
        )
    )
    if outcome.membership is None:
        return Acted(
            f"Refunded as {outcome.refund_reference}, subscription cancelled: {outcome.reason}",
            member_id,
        )
    return Acted(f"Started the {outcome.membership.plan.name} membership.", member_id)


@handles("invoice.paid")
def invoice_paid(services: Services, invoice: dict[str, Any]) -> Acted:
    subscription = _subscription_of(invoice)
    reason = invoice.get("billing_reason")
    if reason == "subscription_cycle" and not _live_by(subscription).exists():
        return _paid_after_the_end(services, invoice, subscription)
    membership = _renewed_by(subscription)
    if reason != "subscription_cycle":
        return Acted(f"Nothing renewed by a {reason} invoice.", membership.member_id)
    renewed = services.renew_membership.execute(
        str(membership.member_id),
        payment=PaymentTaken(
            method=PaymentMethod.ONLINE, reference=invoice["id"], recorded_by=ONLINE_RECORDER
        ),
    )
    if not renewed:
        return Acted(f"Already renewed by {invoice['id']}.", membership.member_id)
    return Acted(f"Renewed by {invoice['id']}.", membership.member_id)


@handles("invoice.payment_failed")
def invoice_payment_failed(services: Services, invoice: dict[str, Any]) -> Acted:
    membership = _renewed_by(_subscription_of(invoice))
    if invoice["id"] in membership.payment_references:
        return Acted(f"{invoice['id']} was paid since: nothing failed.", membership.member_id)
    services.record_renewal_failure.execute(
        str(membership.member_id),
        f"Stripe could not take the payment of {invoice['id']} "
        f"(attempt {invoice.get('attempt_count') or 1}).",
    )
    return Acted(
        f"Renewal failed; the membership ends {membership.period_end:%d %B %Y} unless paid.",
        membership.member_id,
    )


@handles("customer.subscription.deleted")
def subscription_deleted(services: Services, subscription: dict[str, Any]) -> Acted:
    membership = _renewed_by(subscription["id"])
    if not membership.cancel_at_period_end:
        services.cancel_membership.execute(str(membership.member_id))
    return Acted(
        f"Subscription ended: the membership ends {membership.period_end:%d %B %Y}.",
        membership.member_id,
    )


def _subscription_of(invoice: dict[str, Any]) -> str:
    """The invoice's subscription: `parent.subscription_details` in Stripe's current API,
    `subscription` in earlier versions."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = details.get("subscription") or invoice.get("subscription")
    if not subscription:
        raise NotOurs("this invoice is not a subscription's.")
    return subscription


def _paid_after_the_end(services: Services, invoice: dict[str, Any], subscription: str) -> Acted:
    """A new period paid for a membership that had ended: refunded, once per invoice."""
    ended = (
        MembershipRow.objects.filter(external_subscription_id=subscription, ended_at__isnull=False)
        .order_by("-ended_at")
        .first()
    )
    if ended is None:
        raise NotOurs(f"no live membership renews by {subscription}.")
    ended_on = timezone.localdate(ended.ended_at)
    refund = services.refund_late_payment.execute(
        LatePayment(
            member_id=str(ended.member_id),
            membership_id=str(ended.pk),
            subscription_id=subscription,
            invoice_id=invoice["id"],
            amount=from_minor_units(invoice["amount_paid"], invoice["currency"]),
            ended_on=ended_on,
            applied_references=tuple(ended.payment_references),
        )
    )
    if refund.reference is None:
        return Acted(f"Already renewed by {invoice['id']}.", ended.member_id)
    if refund.given_before:
        return Acted(f"Already refunded as {refund.reference}.", ended.member_id)
    return Acted(
        f"Refunded as {refund.reference}, subscription cancelled: the membership had ended on "
        f"{ended_on:%d %B %Y}.",
        ended.member_id,
    )


def _live_by(subscription_id: str) -> QuerySet[MembershipRow]:
    return MembershipRow.objects.filter(
        external_subscription_id=subscription_id, ended_at__isnull=True
    )


def _renewed_by(subscription_id: str) -> MembershipRow:
    row = _live_by(subscription_id).first()
    if row is None:
        raise NotOurs(f"no live membership renews by {subscription_id}.")
    return row
