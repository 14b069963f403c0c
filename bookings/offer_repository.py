"""The ORM adapter of the waitlist-offer port: an offer row is the entity's state as it is."""

import uuid

from bookings.models import WaitlistOffer as OfferRow
from domain.exceptions import OfferNotFoundException
from domain.waitlist_offers import OfferState, WaitlistOffer


def _to_entity(row: OfferRow) -> WaitlistOffer:
    return WaitlistOffer(
        str(row.id),
        member_id=str(row.member_id),
        class_id=str(row.fitness_class_id),
        waitlist_entry_id=str(row.waitlist_entry_id),
        made_at=row.made_at,
        expires_at=row.expires_at,
        state=OfferState(row.state),
    )


class DjangoWaitlistOfferRepository:
    def add(self, offer: WaitlistOffer) -> None:
        OfferRow.objects.create(
            id=offer.id,
            member_id=offer.member_id,
            fitness_class_id=offer.class_id,
            waitlist_entry_id=offer.waitlist_entry_id,
            state=offer.state.value,
            made_at=offer.made_at,
            expires_at=offer.expires_at,
        )

    def get_by_id(self, offer_id: str, *, for_update: bool = False) -> WaitlistOffer:
        try:
            key = uuid.UUID(str(offer_id))
        except ValueError:
            raise OfferNotFoundException() from None
        rows = OfferRow.objects.select_for_update() if for_update else OfferRow.objects
        row = rows.filter(pk=key).first()
        if row is None:
            raise OfferNotFoundException()
        return _to_entity(row)

    def save(self, offer: WaitlistOffer) -> None:
        OfferRow.objects.filter(pk=offer.id).update(state=offer.state.value)

    def ids_run_out(self, now) -> list[str]:
        run_out = OfferRow.objects.filter(state=OfferState.OPEN.value, expires_at__lte=now)
        return [str(pk) for pk in run_out.order_by("expires_at", "id").values_list("pk", flat=True)]
