from datetime import UTC, datetime, timedelta

from domain.entities import ERASED_MEMBER_NAME, Member
from domain.events import MemberErased
from domain.values import Email

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def test_an_erased_member_keeps_her_id_and_grants_under_placeholders():
    ana = Member("m-1", "Ana Smith", "ana@example.com", bookings_paused_until=NOW + timedelta(1))
    grant = ana.add_credits(2, now=NOW)
    ana.clear_domain_events()

    assert ana.erase(now=NOW) is True

    assert (ana.id, ana.name, ana.grants) == ("m-1", ERASED_MEMBER_NAME, (grant,))
    assert ana.email == Email("erased-m-1@erased.invalid")
    assert ana.bookings_paused_until is None
    assert (ana.is_erased, ana.erased_at) == (True, NOW)
    [erased] = ana.get_domain_events()
    assert erased == MemberErased(member_id="m-1", event_id=erased.event_id, occurred_at=NOW)


def test_erasing_an_erased_member_records_nothing():
    ana = Member("m-1", "Ana Smith", "ana@example.com", erased_at=NOW)

    assert ana.erase(now=NOW + timedelta(days=1)) is False

    assert ana.get_domain_events() == []
    assert ana.erased_at == NOW
