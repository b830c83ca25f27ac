from django.contrib import admin

from .models import ColdUnit, Excursion, TemperatureReading


@admin.register(ColdUnit)
class ColdUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "kind", "storage_class", "is_active"]
    list_filter = ["kind", "storage_class", "is_active"]
    search_fields = ["name", "site__name", "site__organisation__name"]


@admin.register(TemperatureReading)
class TemperatureReadingAdmin(admin.ModelAdmin):
    """Readings are a food-safety record: read only here; record them on the log page."""

    list_display = ["unit", "at", "temperature_c", "source", "within_limit"]
    list_filter = ["within_limit", "source"]
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Excursion)
class ExcursionAdmin(admin.ModelAdmin):
    """Review excursions on their page, which releases or disposes of the lots."""

    list_display = ["unit", "status", "reviewed_at"]
    list_filter = ["status"]
    readonly_fields = [
        "unit",
        "reading",
        "status",
        "lots",
        "resolution",
        "reviewed_by",
        "reviewed_at",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
