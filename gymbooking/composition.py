"""The composition root: which adapter serves which port, and which handler hears which event.

Views, admin and commands reach the use cases only through `services()`.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from application.event_handlers import WaitlistPromotionHandler, setup_event_handlers
from application.series import GenerateClassesUseCase, UpdateSeriesUseCase
from application.use_cases import (
    AddCreditsUseCase,
    BookClassUseCase,
    CancelBookingUseCase,
    CancelClassUseCase,
    ChangeClassCapacityUseCase,
    ExpireCreditsUseCase,
    JoinWaitlistUseCase,
    LeaveWaitlistUseCase,
    RecordAttendanceUseCase,
    RegisterMemberUseCase,
    RemindMemberUseCase,
    ResumeBookingsUseCase,
    SettleClassUseCase,
    StaffCancelBookingUseCase,
)
from bookings.repositories import DjangoBookingRepository, DjangoWaitlistRepository
from classes.repositories import DjangoClassRepository
from classes.series_repository import DjangoClassSeriesRepository, DjangoSeriesSessionRepository
from domain.values import BookingPolicy, LateCancellation
from events.dispatcher import DurableEventDispatcher
from gymbooking.adapters import DjangoTransactions, SystemClock
from members.queries import DjangoRegisteredEmails
from members.repositories import DjangoMemberRepository
from notifications.email import EmailNotificationService
from notifications.in_app import InAppNotificationService


def policy_from_settings() -> BookingPolicy:
    return BookingPolicy(
        cancellation_window=timedelta(hours=settings.GYM_CANCELLATION_WINDOW_HOURS),
        late_cancellation=LateCancellation(settings.GYM_LATE_CANCELLATION),
        refund_expiry_days=settings.GYM_REFUND_EXPIRY_DAYS,
        promotion_cutoff=timedelta(minutes=settings.GYM_PROMOTION_CUTOFF_MINUTES),
        booking_opens_before=_days_or_none(settings.GYM_BOOKING_OPENS_DAYS),
        max_upcoming_bookings=settings.GYM_MAX_UPCOMING_BOOKINGS or None,
        no_show_limit=settings.GYM_NO_SHOW_LIMIT,
        no_show_period=timedelta(days=settings.GYM_NO_SHOW_PERIOD_DAYS),
        no_show_pause=timedelta(days=settings.GYM_NO_SHOW_PAUSE_DAYS),
    )


def _days_or_none(days: int) -> timedelta | None:
    """0 in the settings means "no limit"."""
    return timedelta(days=days) if days else None


@dataclass(frozen=True)
class Services:
    book_class: BookClassUseCase
    cancel_booking: CancelBookingUseCase
    staff_cancel_booking: StaffCancelBookingUseCase
    cancel_class: CancelClassUseCase
    join_waitlist: JoinWaitlistUseCase
    leave_waitlist: LeaveWaitlistUseCase
    add_credits: AddCreditsUseCase
    register_member: RegisterMemberUseCase
    change_class_capacity: ChangeClassCapacityUseCase
    promote_waitlist: WaitlistPromotionHandler
    record_attendance: RecordAttendanceUseCase
    settle_class: SettleClassUseCase
    resume_bookings: ResumeBookingsUseCase
    expire_credits: ExpireCreditsUseCase
    remind_member: RemindMemberUseCase
    generate_classes: GenerateClassesUseCase
    update_series: UpdateSeriesUseCase
    dispatcher: DurableEventDispatcher
    policy: BookingPolicy


@cache
def services() -> Services:
    """Build the object graph once per process (the policy is read from settings then)."""
    policy = policy_from_settings()
    dispatcher = DurableEventDispatcher(
        inline=settings.GYM_EVENT_DELIVERY == "inline",
        max_attempts=settings.GYM_EVENT_MAX_ATTEMPTS,
        retry_base=timedelta(seconds=settings.GYM_EVENT_RETRY_SECONDS),
        worker_grace=timedelta(seconds=settings.GYM_EVENT_WORKER_GRACE_SECONDS),
    )
    members = DjangoMemberRepository()
    classes = DjangoClassRepository()
    bookings = DjangoBookingRepository()
    waitlist = DjangoWaitlistRepository()
    clock = SystemClock()
    transactions = DjangoTransactions()
    tx = {"dispatcher": dispatcher, "transactions": transactions, "clock": clock}
    setup_event_handlers(
        classes=classes,
        members=members,
        bookings=bookings,
        waitlist=waitlist,
        notification_channels={
            "email": EmailNotificationService(),
            "in_app": InAppNotificationService(),
        },
        policy=policy,
        **tx,
    )
    release = {"bookings": bookings, "classes": classes, "members": members, "policy": policy}
    return Services(
        book_class=BookClassUseCase(classes, members, bookings, waitlist, policy=policy, **tx),
        cancel_booking=CancelBookingUseCase(**release, **tx),
        staff_cancel_booking=StaffCancelBookingUseCase(**release, **tx),
        cancel_class=CancelClassUseCase(classes, bookings, members, waitlist, policy=policy, **tx),
        join_waitlist=JoinWaitlistUseCase(classes, members, waitlist, policy=policy, **tx),
        leave_waitlist=LeaveWaitlistUseCase(classes, waitlist, **tx),
        add_credits=AddCreditsUseCase(members, **tx),
        register_member=RegisterMemberUseCase(
            members,
            DjangoRegisteredEmails(),
            welcome_credits=settings.GYM_WELCOME_CREDITS,
            welcome_expiry_days=policy.refund_expiry_days,
            **tx,
        ),
        change_class_capacity=ChangeClassCapacityUseCase(classes, **tx),
        promote_waitlist=WaitlistPromotionHandler(
            classes, members, bookings, waitlist, policy=policy, **tx
        ),
        record_attendance=RecordAttendanceUseCase(**release, **tx),
        settle_class=SettleClassUseCase(**release, **tx),
        resume_bookings=ResumeBookingsUseCase(members, **tx),
        expire_credits=ExpireCreditsUseCase(members, **tx),
        remind_member=RemindMemberUseCase(bookings, **tx),
        **_series_use_cases(classes, tx),
        dispatcher=dispatcher,
        policy=policy,
    )


def _series_use_cases(classes: DjangoClassRepository, tx: dict) -> dict[str, object]:
    """The recurring schedule, computed in the gym's time zone (times are stored in UTC)."""
    series = DjangoClassSeriesRepository()
    sessions = DjangoSeriesSessionRepository()
    zone = ZoneInfo(settings.TIME_ZONE)
    return {
        "generate_classes": GenerateClassesUseCase(series, sessions, zone=zone, **tx),
        "update_series": UpdateSeriesUseCase(
            series, sessions, classes, ChangeClassCapacityUseCase(classes, **tx), zone=zone, **tx
        ),
    }
