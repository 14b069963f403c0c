"""The composition root: the Django adapters handed to the one bootstrap.

Views, admin and commands reach the use cases only through `services()`.
"""

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from application.bootstrap import Services, bootstrap
from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
from application.ports import NotificationService
from application.unit_of_work import Repositories
from bookings.offer_repository import DjangoWaitlistOfferRepository
from bookings.repositories import DjangoBookingRepository, DjangoWaitlistRepository
from classes.repositories import DjangoClassRepository
from classes.series_repository import DjangoClassSeriesRepository, DjangoSeriesSessionRepository
from domain.values import BookingPolicy, LateCancellation, PromotionInsideWindow
from events.dispatcher import DurableEventDispatcher
from events.handler_savepoint import join_handler_savepoint
from events.scrubbing import EventLogScrubber
from events.security_log import SecurityLogLine
from locations.opening import DjangoOpeningHours
from members.erasure import LoginEraser
from members.password_reset import PasswordChangedMailer, PasswordResetMailer
from members.queries import DjangoRegisteredEmails
from members.repositories import DjangoMemberRepository
from members.signup_mail import SignUpMailer
from notifications.email import EmailNotificationService
from notifications.erasure import InAppNoticeEraser
from notifications.in_app import InAppNotificationService
from payments.late_refunds import EventLogLateRefunds
from payments.routing import PaymentsByMethod
from payments.stripe_gateway import (
    StripeApi,
    StripeCardOnFile,
    StripeCheckout,
    StripeRefunds,
    StripeSubscriptions,
)
from sales.fees import DjangoFeeRepository, NoCardOnFile, SalesFeePolicies
from sales.payments import FrontDeskPayments
from sales.receipt_mail import ReceiptMailer
from sales.repositories import (
    DjangoMembershipPaymentRepository,
    DjangoMembershipPlanRepository,
    DjangoProductRepository,
    DjangoPurchaseRepository,
)


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()


class DjangoTransactions:
    def atomic(self) -> AbstractContextManager[object]:
        """A transaction, or a savepoint when nested, except directly inside a delivery's
        handler: that one already runs in a savepoint (`events.handler_savepoint`)."""
        return transaction.atomic(savepoint=not join_handler_savepoint())


def django_repositories() -> Repositories:
    """The ORM adapters of every repository port (stateless, so one set serves all)."""
    return Repositories(
        members=DjangoMemberRepository(),
        classes=DjangoClassRepository(),
        bookings=DjangoBookingRepository(),
        waitlist=DjangoWaitlistRepository(),
        series=DjangoClassSeriesRepository(),
        sessions=DjangoSeriesSessionRepository(),
        emails=DjangoRegisteredEmails(),
        products=DjangoProductRepository(),
        purchases=DjangoPurchaseRepository(),
        fees=DjangoFeeRepository(),
        membership_plans=DjangoMembershipPlanRepository(),
        membership_payments=DjangoMembershipPaymentRepository(),
        offers=DjangoWaitlistOfferRepository(),
    )


def policy_from_settings() -> BookingPolicy:
    return BookingPolicy(
        cancellation_window=timedelta(hours=settings.GYM_CANCELLATION_WINDOW_HOURS),
        late_cancellation=LateCancellation(settings.GYM_LATE_CANCELLATION),
        refund_expiry_days=settings.GYM_REFUND_EXPIRY_DAYS,
        promotion_cutoff=timedelta(minutes=settings.GYM_PROMOTION_CUTOFF_MINUTES),
        promotion_inside_window=PromotionInsideWindow(settings.GYM_PROMOTION_INSIDE_WINDOW),
        promotion_grace=timedelta(minutes=settings.GYM_PROMOTION_GRACE_MINUTES),
        booking_opens_before=_days_or_none(settings.GYM_BOOKING_OPENS_DAYS),
        max_upcoming_bookings=settings.GYM_MAX_UPCOMING_BOOKINGS or None,
        no_show_limit=settings.GYM_NO_SHOW_LIMIT,
        no_show_period=timedelta(days=settings.GYM_NO_SHOW_PERIOD_DAYS),
        no_show_pause=timedelta(days=settings.GYM_NO_SHOW_PAUSE_DAYS),
        reminder_lead=timedelta(hours=settings.GYM_REMINDER_HOURS),
        zone=ZoneInfo(settings.TIME_ZONE),
    )


def _days_or_none(days: int) -> timedelta | None:
    """0 in the settings means "no limit"."""
    return timedelta(days=days) if days else None


def durable_dispatcher_from_settings() -> DurableEventDispatcher:
    return DurableEventDispatcher(
        inline=settings.GYM_EVENT_DELIVERY == "inline",
        max_attempts=settings.GYM_EVENT_MAX_ATTEMPTS,
        retry_base=timedelta(seconds=settings.GYM_EVENT_RETRY_SECONDS),
        worker_grace=timedelta(seconds=settings.GYM_EVENT_WORKER_GRACE_SECONDS),
    )


# E-mail talks to a mail server outside the database: its deliveries are the workers' only,
# never run on a member's request. Every other channel is fast.
CHANNEL_QUEUES = {"email": DeliveryQueue.MAIL}


def django_services(
    *,
    dispatcher: InMemoryEventDispatcher | None = None,
    notification_channels: Mapping[str, NotificationService] | None = None,
) -> Services:
    """The Django adapters through the bootstrap; by default with the durable dispatcher and
    both notification channels (the benchmarks and some tests swap one of them)."""
    return bootstrap(
        repositories=django_repositories(),
        transactions=DjangoTransactions(),
        dispatcher=dispatcher or durable_dispatcher_from_settings(),
        clock=SystemClock(),
        notification_channels=notification_channels
        or {"email": EmailNotificationService(), "in_app": InAppNotificationService()},
        policy=policy_from_settings(),
        zone=ZoneInfo(settings.TIME_ZONE),
        welcome_credits=settings.GYM_WELCOME_CREDITS,
        channel_queues=CHANNEL_QUEUES,
        password_reset_mailer=PasswordResetMailer().handle,
        password_changed_mailer=PasswordChangedMailer().handle,
        sign_up_mailer=SignUpMailer().handle,
        # In this order: the event log finds what she did through her login, deleted last.
        personal_data=(EventLogScrubber(), InAppNoticeEraser(), LoginEraser()),
        security_log=SecurityLogLine(),
        # Sales are recorded at the front desk, and paid online through Stripe where it is
        # configured (STRIPE_SECRET_KEY); a refund goes back the way its sale was paid.
        payments=PaymentsByMethod(FrontDeskPayments(), _stripe_refunds()),
        online_checkout=_stripe_checkout(),
        # Fees go on the card a member saved paying online; without Stripe they stay owed
        # and are paid at the desk.
        fee_policies=SalesFeePolicies(),
        card_on_file=_card_on_file(),
        late_refunds=EventLogLateRefunds(),
        opening_hours=DjangoOpeningHours(),
        fee_waive_window=timedelta(days=settings.GYM_FEE_WAIVE_DAYS),
        receipt_mailer=ReceiptMailer().send_receipt,
        membership_receipt_mailer=ReceiptMailer().send_membership_receipt,
        refund_note_mailer=ReceiptMailer().send_refund_note,
        max_freeze_days=settings.GYM_MEMBERSHIP_MAX_FREEZE_DAYS,
        # Memberships bought online renew by a Stripe subscription, told of her changes.
        subscriptions=_stripe_subscriptions(),
    )


def stripe_api() -> StripeApi | None:
    """Stripe's client from the settings; None without a secret key (desk sales only)."""
    if not settings.STRIPE_SECRET_KEY:
        return None
    return StripeApi(
        settings.STRIPE_SECRET_KEY,
        api_base=settings.STRIPE_API_BASE,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        timeout=settings.STRIPE_TIMEOUT_SECONDS,
    )


def _stripe_checkout() -> StripeCheckout | None:
    api = stripe_api()
    return StripeCheckout(api) if api is not None else None


def _stripe_refunds() -> StripeRefunds | None:
    api = stripe_api()
    return StripeRefunds(api) if api is not None else None


def _stripe_subscriptions() -> StripeSubscriptions | None:
    api = stripe_api()
    return StripeSubscriptions(api) if api is not None else None


def _card_on_file() -> StripeCardOnFile | NoCardOnFile:
    api = stripe_api()
    return StripeCardOnFile(api) if api is not None else NoCardOnFile()


@cache
def services() -> Services:
    """Build the object graph once per process (the policy is read from settings then)."""
    return django_services()
