"""The one bootstrap: the object graph built from whatever adapters it is given.

Production passes the Django adapters and the durable dispatcher (`gymbooking/composition.py`),
the tests pass in-memory twins (`tests/fakes/`), the benchmarks pass the Django adapters with
either dispatcher; all of them get the same use cases wired the same way (cosmicpython's
`bootstrap`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from application.attendance import (
    RecordAttendanceUseCase,
    ResumeBookingsUseCase,
    SettleClassUseCase,
)
from application.data_rights import EraseMemberUseCase
from application.event_dispatcher import DeliveryQueue, Handler, InMemoryEventDispatcher
from application.event_handlers import WaitlistPromotionHandler, setup_event_handlers
from application.fees import (
    FeeTermsQuery,
    RecordFeePaidAtDeskUseCase,
    WaiveFeeUseCase,
    setup_fee_handlers,
)
from application.late_membership_payments import RefundLatePaymentUseCase
from application.memberships import (
    CancelMembershipUseCase,
    EndLapsedMembershipsUseCase,
    FreezeMembershipUseCase,
    RecordRenewalFailureUseCase,
    RenewMembershipUseCase,
    StartMembershipUseCase,
    UnfreezeMembershipUseCase,
)
from application.online_memberships import (
    CompleteMembershipCheckoutUseCase,
    MembershipChangesUseCase,
    StartMembershipCheckoutUseCase,
)
from application.online_sales import CompleteCheckoutUseCase, StartCheckoutUseCase
from application.ports import (
    Clock,
    NotificationService,
    OpeningHours,
    PersonalData,
    Transactions,
)
from application.refunds import RefundPurchaseUseCase
from application.sales import SellProductUseCase
from application.schedule import (
    ChangeClassDetailsUseCase,
    DeleteClassUseCase,
    RescheduleClassUseCase,
    ScheduleClassUseCase,
)
from application.security import NoSecurityLog, RecordSecurityEventUseCase, SecurityLog
from application.selling_ports import (
    CardOnFile,
    FeePolicies,
    LateRefunds,
    OnlineCheckout,
    PaymentGateway,
    Subscriptions,
)
from application.series import GenerateClassesUseCase, UpdateSeriesUseCase
from application.unit_of_work import Repositories, unit_of_work_factory
from application.use_cases import (
    AddCreditsUseCase,
    AddMemberToClassUseCase,
    BookClassUseCase,
    CancelBookingUseCase,
    CancelClassUseCase,
    ChangeClassCapacityUseCase,
    CloseWaitlistUseCase,
    ExpireCreditsUseCase,
    JoinWaitlistUseCase,
    LeaveWaitlistUseCase,
    RecordPasswordChangeUseCase,
    RegisterMemberUseCase,
    RemindMemberUseCase,
    RequestPasswordResetUseCase,
    RequestSignUpUseCase,
    StaffCancelBookingUseCase,
)
from domain.events import (
    ClassPackPurchased,
    MembershipRenewed,
    MembershipStarted,
    PasswordChanged,
    PasswordResetRequested,
    PurchaseRefunded,
    SignUpRequested,
)
from domain.values import BookingPolicy


@dataclass(frozen=True)
class Services:
    """Every use case, ready to call: `services.book_class.execute(member_id, class_id)`."""

    book_class: BookClassUseCase
    add_member_to_class: AddMemberToClassUseCase
    cancel_booking: CancelBookingUseCase
    staff_cancel_booking: StaffCancelBookingUseCase
    cancel_class: CancelClassUseCase
    join_waitlist: JoinWaitlistUseCase
    leave_waitlist: LeaveWaitlistUseCase
    close_waitlist: CloseWaitlistUseCase
    add_credits: AddCreditsUseCase
    register_member: RegisterMemberUseCase
    change_class_capacity: ChangeClassCapacityUseCase
    promote_waitlist: WaitlistPromotionHandler
    record_attendance: RecordAttendanceUseCase
    settle_class: SettleClassUseCase
    resume_bookings: ResumeBookingsUseCase
    expire_credits: ExpireCreditsUseCase
    remind_member: RemindMemberUseCase
    request_password_reset: RequestPasswordResetUseCase
    record_password_change: RecordPasswordChangeUseCase
    request_sign_up: RequestSignUpUseCase
    record_security_event: RecordSecurityEventUseCase
    generate_classes: GenerateClassesUseCase
    update_series: UpdateSeriesUseCase
    schedule_class: ScheduleClassUseCase
    reschedule_class: RescheduleClassUseCase
    change_class_details: ChangeClassDetailsUseCase
    delete_class: DeleteClassUseCase
    erase_member: EraseMemberUseCase
    sell_product: SellProductUseCase
    start_checkout: StartCheckoutUseCase
    complete_checkout: CompleteCheckoutUseCase
    waive_fee: WaiveFeeUseCase
    record_fee_paid_at_desk: RecordFeePaidAtDeskUseCase
    fee_terms: FeeTermsQuery
    refund_purchase: RefundPurchaseUseCase
    start_membership: StartMembershipUseCase
    renew_membership: RenewMembershipUseCase
    record_renewal_failure: RecordRenewalFailureUseCase
    freeze_membership: FreezeMembershipUseCase
    unfreeze_membership: UnfreezeMembershipUseCase
    cancel_membership: CancelMembershipUseCase
    end_lapsed_membership: EndLapsedMembershipsUseCase
    dispatcher: InMemoryEventDispatcher
    policy: BookingPolicy
    start_membership_checkout: StartMembershipCheckoutUseCase
    complete_membership_checkout: CompleteMembershipCheckoutUseCase
    membership_changes: MembershipChangesUseCase
    refund_late_payment: RefundLatePaymentUseCase


def bootstrap(
    *,
    repositories: Repositories,
    transactions: Transactions,
    dispatcher: InMemoryEventDispatcher,
    clock: Clock,
    notification_channels: Mapping[str, NotificationService],
    policy: BookingPolicy,
    zone: tzinfo,
    opening_hours: OpeningHours,
    payments: PaymentGateway,
    fee_policies: FeePolicies,
    card_on_file: CardOnFile,
    late_refunds: LateRefunds,
    fee_waive_window: timedelta = timedelta(days=7),
    welcome_credits: int = 0,
    channel_queues: Mapping[str, DeliveryQueue] | None = None,
    password_reset_mailer: Handler | None = None,
    password_changed_mailer: Handler | None = None,
    sign_up_mailer: Handler | None = None,
    personal_data: Sequence[PersonalData] = (),
    security_log: SecurityLog | None = None,
    online_checkout: OnlineCheckout | None = None,
    receipt_mailer: Handler | None = None,
    membership_receipt_mailer: Handler | None = None,
    refund_note_mailer: Handler | None = None,
    max_freeze_days: int = 30,
    subscriptions: Subscriptions | None = None,
) -> Services:
    """Wire the handlers to `dispatcher` and build every use case.

    `zone` is the gym's time zone (the recurring schedule is computed in it);
    `opening_hours` reads a location's hours and closures, which a class must fit when it is
    added, moved or relocated. A new member gets `welcome_credits`, which expire like a
    refund. `channel_queues` names the delivery queue of each slow notification channel
    (the others are fast). `password_reset_mailer`
    sends the reset links asked for, on the mail queue, `password_changed_mailer` the notice
    of a changed password and `sign_up_mailer` the sign-up links. `personal_data` are the
    stores an erasure scrubs besides the entities (a login, in-app notices, the event log).
    `security_log` is where each security event is also written as a line (none by default).
    `fee_policies` says what fees a booking's credit carries, `card_on_file` charges them
    (and refunds a waived one); staff may waive a fee within `fee_waive_window`.
    `payments` takes the money of a sale (the front desk's adapter in production) and
    gives it back for a refund; `online_checkout` is the card provider members pay through
    online (none: desk only). `receipt_mailer` e-mails the receipt of a sale,
    `membership_receipt_mailer` that of a membership's period paid, and `refund_note_mailer`
    the note of a refund, on the mail queue.
    A membership freeze lasts at most `max_freeze_days`, counted on the `zone` clock.
    `subscriptions` renews memberships bought through `online_checkout`, and is told of a
    member's changes to them (none: desk memberships only); `late_refunds` finds the refund
    of an invoice paid after its membership ended, so it is given once.
    """
    uow = unit_of_work_factory(repositories, transactions, dispatcher)
    common = {"uow": uow, "clock": clock}
    with_policy = {**common, "policy": policy}
    security = {"uow": uow, "log": security_log or NoSecurityLog()}
    promotion = setup_event_handlers(
        dispatcher,
        **with_policy,
        members=repositories.members,
        classes=repositories.classes,
        bookings=repositories.bookings,
        notification_channels=notification_channels,
        channel_queues=channel_queues,
    )
    setup_fee_handlers(dispatcher, **common, policies=fee_policies, card=card_on_file)
    if password_reset_mailer is not None:
        dispatcher.register(PasswordResetRequested, password_reset_mailer, queue=DeliveryQueue.MAIL)
    if password_changed_mailer is not None:
        dispatcher.register(PasswordChanged, password_changed_mailer, queue=DeliveryQueue.MAIL)
    if sign_up_mailer is not None:
        dispatcher.register(SignUpRequested, sign_up_mailer, queue=DeliveryQueue.MAIL)
    if receipt_mailer is not None:
        dispatcher.register(ClassPackPurchased, receipt_mailer, queue=DeliveryQueue.MAIL)
    if membership_receipt_mailer is not None:
        for paid in (MembershipStarted, MembershipRenewed):
            dispatcher.register(paid, membership_receipt_mailer, queue=DeliveryQueue.MAIL)
    if refund_note_mailer is not None:
        dispatcher.register(PurchaseRefunded, refund_note_mailer, queue=DeliveryQueue.MAIL)
    start_membership = StartMembershipUseCase(**common, payments=payments)
    freeze_membership = FreezeMembershipUseCase(**common, zone=zone, max_days=max_freeze_days)
    unfreeze_membership = UnfreezeMembershipUseCase(**common, zone=zone)
    cancel_membership = CancelMembershipUseCase(**common)
    return Services(
        book_class=BookClassUseCase(**with_policy),
        add_member_to_class=AddMemberToClassUseCase(**with_policy),
        cancel_booking=CancelBookingUseCase(**with_policy),
        staff_cancel_booking=StaffCancelBookingUseCase(**with_policy),
        cancel_class=CancelClassUseCase(**with_policy),
        join_waitlist=JoinWaitlistUseCase(**with_policy),
        leave_waitlist=LeaveWaitlistUseCase(**common),
        close_waitlist=CloseWaitlistUseCase(**common),
        add_credits=AddCreditsUseCase(**common),
        register_member=RegisterMemberUseCase(
            **common,
            welcome_credits=welcome_credits,
            welcome_expiry_days=policy.refund_expiry_days,
        ),
        change_class_capacity=ChangeClassCapacityUseCase(**common),
        promote_waitlist=promotion,
        record_attendance=RecordAttendanceUseCase(**with_policy),
        settle_class=SettleClassUseCase(**with_policy),
        resume_bookings=ResumeBookingsUseCase(**common),
        expire_credits=ExpireCreditsUseCase(**common),
        remind_member=RemindMemberUseCase(**common),
        request_password_reset=RequestPasswordResetUseCase(**common),
        record_password_change=RecordPasswordChangeUseCase(**common, log=security["log"]),
        request_sign_up=RequestSignUpUseCase(**common),
        record_security_event=RecordSecurityEventUseCase(**security),
        generate_classes=GenerateClassesUseCase(**common, zone=zone),
        update_series=UpdateSeriesUseCase(**common, zone=zone),
        schedule_class=ScheduleClassUseCase(**common, opening=opening_hours),
        reschedule_class=RescheduleClassUseCase(**common, opening=opening_hours),
        change_class_details=ChangeClassDetailsUseCase(**common, opening=opening_hours),
        delete_class=DeleteClassUseCase(**common),
        erase_member=EraseMemberUseCase(**with_policy, personal_data=tuple(personal_data)),
        sell_product=SellProductUseCase(**common, payments=payments),
        start_checkout=StartCheckoutUseCase(**common, checkout=online_checkout),
        complete_checkout=CompleteCheckoutUseCase(**common, checkout=online_checkout),
        waive_fee=WaiveFeeUseCase(**common, window=fee_waive_window),
        record_fee_paid_at_desk=RecordFeePaidAtDeskUseCase(**common),
        fee_terms=FeeTermsQuery(**with_policy, policies=fee_policies),
        refund_purchase=RefundPurchaseUseCase(**common, payments=payments),
        start_membership=start_membership,
        renew_membership=RenewMembershipUseCase(**common, payments=payments),
        record_renewal_failure=RecordRenewalFailureUseCase(**common),
        freeze_membership=freeze_membership,
        unfreeze_membership=unfreeze_membership,
        cancel_membership=cancel_membership,
        end_lapsed_membership=EndLapsedMembershipsUseCase(**common),
        dispatcher=dispatcher,
        policy=policy,
        start_membership_checkout=StartMembershipCheckoutUseCase(
            **common, checkout=online_checkout
        ),
        complete_membership_checkout=CompleteMembershipCheckoutUseCase(
            **common, checkout=online_checkout, start=start_membership
        ),
        membership_changes=MembershipChangesUseCase(
            **common,
            subscriptions=subscriptions,
            cancel=cancel_membership,
            freeze_use_case=freeze_membership,
            unfreeze_use_case=unfreeze_membership,
        ),
        refund_late_payment=RefundLatePaymentUseCase(
            **common, checkout=online_checkout, refunds=late_refunds
        ),
    )
