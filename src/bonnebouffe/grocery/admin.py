"""Administration of the grocery: policy, tiers, funders, products, points of sale, windows.

Member cards, orders and sales are not edited here: they change only through the services
(reservations, ledger movements and subsidies must stay consistent)."""

from django.contrib import admin

from .models import (
    Funder,
    GroceryPolicy,
    MobileStop,
    MobileUnit,
    OrderWindow,
    PointOfSale,
    PriceTier,
    Product,
    ProductTierPrice,
)


@admin.register(GroceryPolicy)
class GroceryPolicyAdmin(admin.ModelAdmin):
    list_display = ["network", "eligibility_mode", "mbm_family_of_4_cents", "card_validity_days"]


@admin.register(PriceTier)
class PriceTierAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "kind", "percent_adjust", "max_income_ratio", "position"]
    list_filter = ["network", "kind"]


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ["name", "network"]


class TierPriceInline(admin.TabularInline):
    model = ProductTierPrice
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "category", "sold_by", "regular_price_cents", "is_active"]
    list_filter = ["network", "category", "source", "is_active"]
    search_fields = ["name", "sku"]
    inlines = [TierPriceInline]


@admin.register(PointOfSale)
class PointOfSaleAdmin(admin.ModelAdmin):
    list_display = ["name", "grocery", "kind", "municipality", "is_active"]
    list_filter = ["kind"]


@admin.register(OrderWindow)
class OrderWindowAdmin(admin.ModelAdmin):
    list_display = ["point", "opens_at", "closes_at", "pickup_starts_at", "pickup_ends_at"]
    list_filter = ["point"]


class StopInline(admin.TabularInline):
    model = MobileStop
    extra = 0


@admin.register(MobileUnit)
class MobileUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "grocery", "home_site"]
    inlines = [StopInline]
