from django.contrib import admin

from .models import Acceptance, AcceptanceLine, Offer, OfferItem, Reception, ReceptionItem


class OfferItemInline(admin.TabularInline):
    model = OfferItem
    extra = 0
    readonly_fields = ("accepted_g",)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("pk", "donor", "home_hub", "kind", "status", "stage", "window_end")
    list_filter = ("status", "stage", "kind")
    search_fields = ("donor__name", "items__product_name")
    raw_id_fields = ("donor", "home_hub", "pickup_site", "dropoff_hub", "created_by")
    inlines = [OfferItemInline]


class AcceptanceLineInline(admin.TabularInline):
    model = AcceptanceLine
    extra = 0
    raw_id_fields = ("item",)


@admin.register(Acceptance)
class AcceptanceAdmin(admin.ModelAdmin):
    list_display = ("pk", "offer", "taker", "at", "received")
    list_filter = ("received",)
    raw_id_fields = ("offer", "taker", "accepted_by")
    inlines = [AcceptanceLineInline]


class ReceptionItemInline(admin.TabularInline):
    model = ReceptionItem
    extra = 0
    raw_id_fields = ("offer_item", "lot")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # receptions are recorded on the reception page (lots and movements)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Reception)
class ReceptionAdmin(admin.ModelAdmin):
    list_display = ("pk", "site", "donor", "at")
    raw_id_fields = ("site", "donor", "acceptance", "actor")
    inlines = [ReceptionItemInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
