"""The event log's page pieces come from templates, which escape what events and handlers
wrote: a payload or an error is shown as text, never as markup."""

from django.contrib import admin

from events.admin import DeliveryAdmin, StoredEventAdmin
from events.models import Delivery, StoredEvent


def test_a_payload_is_shown_as_escaped_indented_json():
    event_admin = StoredEventAdmin(StoredEvent, admin.site)

    shown = event_admin.pretty_payload(StoredEvent(payload={"note": "<b>hi</b>"}))

    expected = "{\n  &quot;note&quot;: &quot;&lt;b&gt;hi&lt;/b&gt;&quot;\n}"
    assert f'<pre class="event-payload">{expected}</pre>' in shown


def test_a_deliverys_error_is_shown_escaped_and_a_missing_one_as_a_dash():
    delivery_admin = DeliveryAdmin(Delivery, admin.site)

    shown = delivery_admin.full_error(Delivery(last_error="ValueError: <script>"))

    assert '<pre class="delivery-error">ValueError: &lt;script&gt;</pre>' in shown
    assert delivery_admin.full_error(Delivery(last_error="")) == "—"
