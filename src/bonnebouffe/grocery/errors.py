"""Grocery error codes; the web layer and the API turn them into translated sentences."""

from __future__ import annotations

import enum

from django.utils.translation import gettext_lazy as _


class GroceryErrorCode(enum.StrEnum):
    WINDOW_CLOSED = "window_closed"
    NOT_ENOUGH_STOCK = "not_enough_stock"
    INVALID_QUANTITY = "invalid_quantity"
    EMPTY_ORDER = "empty_order"
    UNKNOWN_PRODUCT = "unknown_product"
    ORDER_LOCKED = "order_locked"
    UNKNOWN_CARD = "unknown_card"
    PREPAID_TOO_LOW = "prepaid_too_low"
    VOUCHER_MISSING = "voucher_missing"
    ADDRESS_MISSING = "address_missing"
    TIER_NOT_ALLOWED = "tier_not_allowed"
    TRIP_STATE = "trip_state"
    NO_POLICY = "no_policy"


MESSAGES = {
    GroceryErrorCode.WINDOW_CLOSED: _("Orders for this pickup are closed."),
    GroceryErrorCode.NOT_ENOUGH_STOCK: _("There is not enough of “%(product)s” left."),
    GroceryErrorCode.INVALID_QUANTITY: _("The quantity must be a whole number more than zero."),
    GroceryErrorCode.EMPTY_ORDER: _("Add at least one product."),
    GroceryErrorCode.UNKNOWN_PRODUCT: _("This product is not sold here."),
    GroceryErrorCode.ORDER_LOCKED: _("This order can no longer be changed."),
    GroceryErrorCode.UNKNOWN_CARD: _("No active member card has this number."),
    GroceryErrorCode.PREPAID_TOO_LOW: _("The prepaid balance is too low for this sale."),
    GroceryErrorCode.VOUCHER_MISSING: _("Enter the voucher number and the partner who gave it."),
    GroceryErrorCode.ADDRESS_MISSING: _("Home delivery needs a delivery address."),
    GroceryErrorCode.TIER_NOT_ALLOWED: _("This price level cannot be given this way."),
    GroceryErrorCode.TRIP_STATE: _("This trip is not in a state that allows this."),
    GroceryErrorCode.NO_POLICY: _("The network has not set up its grocery yet."),
}


class GroceryError(Exception):
    def __init__(self, code: GroceryErrorCode, **params: object) -> None:
        super().__init__(f"{code}: {params}" if params else str(code))
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        text = str(MESSAGES[self.code])
        return text % self.params if self.params else text
