"""Ledger error codes; the web layer and the API turn them into translated sentences."""

from __future__ import annotations

import enum

from django.utils.translation import gettext_lazy as _


class LedgerErrorCode(enum.StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    LOT_BLOCKED = "lot_blocked"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_MOVEMENT = "invalid_movement"
    WRONG_SITE = "wrong_site"
    MISSING_DESTINATION = "missing_destination"


MESSAGES = {
    LedgerErrorCode.INSUFFICIENT_STOCK: _("There is not enough of this lot on hand here."),
    LedgerErrorCode.LOT_BLOCKED: _(
        "This lot is blocked from distribution (date, temperature review or recall)."
    ),
    LedgerErrorCode.INVALID_QUANTITY: _("The quantity must be more than zero."),
    LedgerErrorCode.INVALID_MOVEMENT: _("This movement is not possible."),
    LedgerErrorCode.WRONG_SITE: _("The storage location is not in this site."),
    LedgerErrorCode.MISSING_DESTINATION: _("Choose where the food goes on the valorisation scale."),
}


class LedgerError(Exception):
    def __init__(self, code: LedgerErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])
