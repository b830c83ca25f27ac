"""Who bought a lot: the grocery's provider of people downstream of a trace (a recall).

Registered by GroceryConfig.ready() with `inventory.recipients`. A sale line records the
lots it was taken from (`SaleLineLot`, one ledger movement each); the sale names a member
card (the household's) or an order (its household, picked up at the counter or a stop).

Who sees names: the rule of the household's tier (`selectors.tier_visible_to`: grocery staff
and network administrators), and only for sales at the groceries they operate
(`selectors.grocery_org_ids`). Everyone else gets a count. Only what a recall needs is read:
card number, reference, the name used, email, phone, date and quantity; never the tier, the
household size or anything about income.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.inventory.recipients import PersonRecipient, RecipientGroup

from .models import SaleLineLot
from .selectors import grocery_org_ids, tier_visible_to

KEY = "households"


def _household_field(name: str) -> Coalesce:
    """A field of the buyer's household: through the sale's member card, else its order."""
    return Coalesce(
        F(f"line__sale__card__household__{name}"), F(f"line__sale__order__household__{name}")
    )


def lot_buyers(*, scope: Scope, lot_ids: Sequence[int]) -> RecipientGroup:
    """The households that bought these lots, as `scope` may see them (two queries at most).

    Names and contacts come back only for a role that may see households, and only for
    sales at the groceries it operates; every other buyer is counted in `hidden_count`
    (distinct households), and sales without a card or an order in `anonymous_count`.
    """
    lines = SaleLineLot.objects.filter(lot_id__in=list(lot_ids)).annotate(
        household_id=_household_field("id")
    )
    title = _("Households that bought these lots")
    people: list[PersonRecipient] = []
    allowed = tier_visible_to(scope)
    if allowed:
        shown = lines.filter(household_id__isnull=False)
        if not scope.is_superuser:
            shown = shown.filter(line__sale__point__grocery_id__in=grocery_org_ids(scope))
        rows = shown.values(
            "lot_id",
            "quantity_g",
            "movement_id",
            "household_id",
            lot_code=F("lot__code"),
            at=F("line__sale__at"),
            sale_number=F("line__sale__number"),
            order_number=F("line__sale__order__number"),
            sale_card=F("line__sale__card__number"),
            reference=_household_field("reference"),
            name=_household_field("display_name"),
            email=_household_field("email"),
            phone=_household_field("phone"),
            household_card=F("line__sale__order__household__member_card__number"),
        ).order_by("line__sale__at", "pk")
        for r in rows:
            receipt = r["sale_number"]
            if r["order_number"]:
                receipt = f"{r['sale_number']} ({r['order_number']})"
            people.append(
                PersonRecipient(
                    lot_id=r["lot_id"],
                    lot_code=r["lot_code"],
                    at=r["at"],
                    quantity_g=int(r["quantity_g"]),
                    reference=r["reference"] or "",
                    card_number=r["sale_card"] or r["household_card"] or "",
                    name=r["name"] or "",
                    email=r["email"] or "",
                    phone=r["phone"] or "",
                    receipt=receipt,
                    movement_id=r["movement_id"],
                    audit_type="household",
                    audit_id=int(r["household_id"]),
                )
            )
    shown_ids = {p.audit_id for p in people}
    hidden = ~Q(household_id__in=shown_ids) if shown_ids else Q()
    counts = lines.aggregate(
        hidden=Count("household_id", distinct=True, filter=hidden),
        anonymous=Count("line__sale_id", distinct=True, filter=Q(household_id__isnull=True)),
    )
    return RecipientGroup(
        key=KEY,
        title=title,
        names_allowed=allowed,
        people=people,
        hidden_count=int(counts["hidden"] or 0),
        anonymous_count=int(counts["anonymous"] or 0),
    )
