"""The ledger in the admin: read-only, because every stock change goes through the services
(movements are append-only and balances are their projection). Storage locations are plain
set-up data and may be edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Balance,
    Lot,
    Movement,
    StockCount,
    StockCountLine,
    StorageLocation,
    Transformation,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BalanceInline(ReadOnlyInline):
    model = Balance
    fields = ["site", "location", "quantity_g"]


class MovementInline(ReadOnlyInline):
    model = Movement
    fields = ["at", "kind", "quantity_g", "from_site", "to_site", "recipient", "destination"]


@admin.register(StorageLocation)
class StorageLocationAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "storage_class", "cold_unit"]
    list_filter = ["storage_class"]
    search_fields = ["name", "site__name", "site__organisation__name"]
    list_select_related = ["site__organisation", "cold_unit"]


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "product_name",
        "category",
        "storage_class",
        "date_kind",
        "date_value",
        "hub",
        "recalled",
        "under_review",
    ]
    list_filter = ["category", "storage_class", "date_kind", "recalled", "under_review"]
    search_fields = ["code", "product_name"]
    list_select_related = ["hub"]
    inlines = [BalanceInline, MovementInline]


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "lot", "kind", "quantity_g", "from_site", "to_site", "destination"]
    list_filter = ["kind", "destination"]
    search_fields = ["lot__code", "lot__product_name"]
    list_select_related = ["lot", "from_site__organisation", "to_site__organisation"]
    date_hierarchy = "at"


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["lot", "site", "location", "quantity_g"]
    search_fields = ["lot__code"]
    list_select_related = ["lot", "site__organisation", "location__site"]


@admin.register(Transformation)
class TransformationAdmin(ReadOnlyAdmin):
    list_display = ["description", "site", "at"]
    list_select_related = ["site__organisation"]


class StockCountLineInline(ReadOnlyInline):
    model = StockCountLine
    fields = ["lot", "expected_g", "counted_g"]


@admin.register(StockCount)
class StockCountAdmin(ReadOnlyAdmin):
    list_display = ["site", "location", "started_at", "closed_at"]
    list_select_related = ["site__organisation", "location__site"]
    inlines = [StockCountLineInline]
