from django.contrib import admin

from .models import DeliveryRequest, Driver, Route, RoutePlan, RouteStop, Shift, StopUpdate, Vehicle


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "hub", "capacity_kg", "refrigerated_kg", "frozen_kg", "active"]
    list_filter = ["hub", "active"]


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["display_name", "hub", "kind", "licence_class", "active"]
    list_filter = ["hub", "kind"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["date", "vehicle", "driver", "start", "end"]
    list_filter = ["date"]


@admin.register(DeliveryRequest)
class DeliveryRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["date", "hub", "site", "ambient_kg", "refrigerated_kg", "frozen_kg"]


class RouteInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Route
    extra = 0


@admin.register(RoutePlan)
class RoutePlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["date", "hub", "distance_m", "cost", "created_at"]
    inlines = [RouteInline]


@admin.register(RouteStop)
class RouteStopAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["route", "sequence", "kind", "site", "status"]


@admin.register(StopUpdate)
class StopUpdateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stop", "action", "idempotency_key", "at"]
