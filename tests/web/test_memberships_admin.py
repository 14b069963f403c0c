"""Memberships in the admin: the Front desk starts one from a member's page ("Start a
membership…" → its page) and freezes it; the Manager defines plans and also cancels and renews
memberships, which are listed read-only, on the member's page too."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Membership
from sales.models import MembershipPayment, MembershipPlan
from tests.factories import (
    MemberFactory,
    MembershipPlanFactory,
    staff_client,
    work_at_every_location,
)
from tests.web.test_admin import admin_url, messages_of
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

START_URL = reverse("admin:members_membership_start")


@pytest.fixture
def desk(client, django_user_model):
    """Signed in as Dee Desk of the Front desk (her name goes on sales)."""
    user = django_user_model.objects.create_user(
        username="desk", first_name="Dee", last_name="Desk", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Front desk"))
    work_at_every_location(user)
    client.force_login(user)
    return client


def start(client, member, **values):
    data = {APPLY: "yes", **{f"{FORM_PREFIX}-{name}": value for name, value in values.items()}}
    return client.post(f"{START_URL}?member={member.pk}", data, follow=True)


def act(client, membership, action, **values):
    data = {"action": action, "_selected_action": [str(membership.pk)], "index": 0}
    if values:
        data |= {APPLY: "yes", **{f"{FORM_PREFIX}-{k}": v for k, v in values.items()}}
    return client.post(admin_url(Membership, "changelist"), data, follow=True)


@pytest.fixture
def ana_on_plan(desk, services):
    ana = MemberFactory(name="Ana Silva")
    plan = MembershipPlanFactory(name="Eight a month")
    start(desk, ana, plan=plan.pk, payment_method="cash")
    return Membership.objects.get(member=ana)


def test_the_desk_chooses_start_a_membership_on_a_member_and_lands_on_its_page(desk, services):
    ana = MemberFactory()
    choose = {"action": "start_membership", "_selected_action": [str(ana.pk)], "index": 0}

    response = desk.post(admin_url(Member, "changelist"), choose)

    assert response["Location"] == f"{START_URL}?member={ana.pk}"


def test_the_desk_starts_a_membership_recorded_under_its_name(desk, services):
    ana = MemberFactory(name="Ana Silva")
    plan = MembershipPlanFactory(name="Eight a month", extra_booking_window_days=2)
    MembershipPlanFactory(name="Old plan", is_active=False)

    page = desk.get(f"{START_URL}?member={ana.pk}")
    done = start(desk, ana, plan=plan.pk, payment_method="card_terminal")

    offered = [label for _, label in page.context["form"].fields["plan"].choices]
    assert offered == ["Eight a month — 8 classes a month, books 2 days earlier, 60.00 EUR monthly"]
    row = Membership.objects.get(member=ana)
    assert (row.payment_method, row.plan_name) == ("card_terminal", "Eight a month")
    assert done.redirect_chain[-1][0] == admin_url(Member, "change", ana.pk)
    [message] = messages_of(done)
    assert message.startswith(
        "Started Eight a month for Ana Silva: 60.00 EUR paid (tax 10.00 EUR), receipt DESK-"
    )


def test_a_second_membership_is_refused_with_the_domains_message(desk, ana_on_plan):
    again = start(desk, ana_on_plan.member, plan=ana_on_plan.plan_id, payment_method="cash")

    assert messages_of(again)[-1].startswith("Ana Silva: This member already has a membership")
    assert Membership.objects.count() == 1


@pytest.mark.parametrize(
    "values", [{"plan": "", "payment_method": "cash"}, {"payment_method": "bitcoin"}]
)
def test_an_invalid_start_form_is_shown_again_and_starts_nothing(desk, services, values):
    ana = MemberFactory()
    values.setdefault("plan", MembershipPlanFactory().pk)

    response = start(desk, ana, **values)

    assert response.status_code == 200 and response.context["form"].errors
    assert not Membership.objects.exists()


def test_staff_without_the_permission_cannot_start_one(client, django_user_model, services):
    client.force_login(django_user_model.objects.create_user(username="plain", is_staff=True))
    ana, plan = MemberFactory(), MembershipPlanFactory()

    response = client.post(
        f"{START_URL}?member={ana.pk}",
        {APPLY: "yes", f"{FORM_PREFIX}-plan": plan.pk, f"{FORM_PREFIX}-payment_method": "cash"},
    )

    assert response.status_code == 403
    assert not Membership.objects.exists()


def test_the_member_s_page_lists_her_memberships(desk, ana_on_plan):
    page = desk.get(admin_url(Member, "change", ana_on_plan.member_id)).content.decode()

    assert "Eight a month" in page and "Active" in page


def test_the_desk_freezes_and_unfreezes_but_cannot_cancel(desk, ana_on_plan):
    first = timezone.localdate() + timedelta(days=1)
    last = first + timedelta(days=3)

    frozen = act(desk, ana_on_plan, "freeze", starts_on=first, ends_on=last)
    ana_on_plan.refresh_from_db()
    assert ana_on_plan.freezes == [[str(first), str(last)]]
    assert messages_of(frozen) == [f"Froze 1 membership from {first} to {last}."]
    assert messages_of(act(desk, ana_on_plan, "unfreeze")) == ["Unfroze 1 membership."]
    act(desk, ana_on_plan, "cancel_at_end")
    ana_on_plan.refresh_from_db()
    assert not ana_on_plan.cancel_at_period_end


def test_a_refused_freeze_names_the_member(desk, ana_on_plan):
    past = timezone.localdate() - timedelta(days=1)

    response = act(desk, ana_on_plan, "freeze", starts_on=past, ends_on=past)

    assert messages_of(response) == [
        "Eight a month for Ana Silva: A freeze starts today or later and ends on or after its "
        "first day."
    ]


def test_the_manager_cancels_undoes_and_renews(client, django_user_model, ana_on_plan):
    boss = staff_client(client, django_user_model, "Manager", "boss")
    before = ana_on_plan.period_end

    act(boss, ana_on_plan, "cancel_at_end")
    ana_on_plan.refresh_from_db()
    assert ana_on_plan.cancel_at_period_end
    act(boss, ana_on_plan, "undo_cancellation")
    renewed = act(boss, ana_on_plan, "renew_at_desk", payment_method="cash")

    ana_on_plan.refresh_from_db()
    assert not ana_on_plan.cancel_at_period_end
    assert ana_on_plan.period_start == before
    assert messages_of(renewed) == ["Renewed 1 membership for a period."]


def test_each_period_paid_is_listed_on_the_membership_and_among_the_payments(
    desk, client, django_user_model, ana_on_plan
):
    boss = staff_client(client, django_user_model, "Manager", "boss")
    act(boss, ana_on_plan, "renew_at_desk", payment_method="card_terminal")
    client.force_login(User.objects.get(username="desk"))  # one client: the desk's again

    page = desk.get(admin_url(Membership, "change", ana_on_plan.pk))
    listed = desk.get(admin_url(MembershipPayment, "changelist"))
    adding = desk.get(admin_url(MembershipPayment, "add"))

    [inline] = [
        f for f in page.context["inline_admin_formsets"] if f.opts.model is MembershipPayment
    ]
    assert [form.original.kind for form in inline] == ["start", "renewal"]
    assert [(r.recorded_by, r.payment_method) for r in listed.context["cl"].result_list] == [
        ("boss", "card_terminal"),
        ("Dee Desk", "cash"),
    ]
    assert adding.status_code == 403


def test_a_membership_billed_online_is_not_renewed_at_the_desk(
    client, django_user_model, ana_on_plan
):
    boss = staff_client(client, django_user_model, "Manager", "boss")
    Membership.objects.filter(pk=ana_on_plan.pk).update(external_subscription_id="sub_1")
    before = ana_on_plan.period_end

    refused = act(boss, ana_on_plan, "renew_at_desk", payment_method="cash")

    ana_on_plan.refresh_from_db()
    assert ana_on_plan.period_end == before
    assert messages_of(refused) == [
        "Eight a month for Ana Silva: This membership renews by card through its online "
        "subscription; recording a desk renewal as well would make her pay twice for one period."
    ]


def test_the_manager_defines_a_plan_and_the_domain_judges_it(client, django_user_model):
    boss = staff_client(client, django_user_model, "Manager", "boss")
    plan = {
        "name": "Unlimited",
        "price": "79.00",
        "currency": "eur",
        "tax_rate": "20",
        "billing_period": "monthly",
        "allowance_classes": "",
        "allowance_period": "",
        "extra_booking_window_days": "0",
        "is_active": "on",
    }

    boss.post(admin_url(MembershipPlan, "add"), plan)
    refused = boss.post(admin_url(MembershipPlan, "add"), {**plan, "allowance_classes": "8"})

    saved = MembershipPlan.objects.get()
    assert (saved.price, saved.currency) == (Decimal("79.00"), "EUR")
    assert "unlimited classes or a whole positive number per week or month" in (
        refused.content.decode()
    )


def test_a_member_with_a_membership_is_not_deleted(client, django_user_model, ana_on_plan):
    boss = staff_client(client, django_user_model, "Manager", "boss")
    ana = ana_on_plan.member

    response = boss.post(admin_url(Member, "delete", ana.pk), {"post": "yes"}, follow=True)

    assert "a membership on record" in messages_of(response)[0]
    assert Member.objects.filter(pk=ana.pk).exists()
