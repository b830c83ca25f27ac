from django.contrib import admin

from .models import Network, OpeningHours, Organisation, Site


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class SiteInline(admin.StackedInline):
    model = Site
    extra = 0


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "mrc", "hub", "is_active"]
    list_filter = ["kind", "mrc", "is_active"]
    search_fields = ["name"]
    inlines = [SiteInline]
    filter_horizontal = ["served_mrcs"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "municipality",
        "storage_ambient_kg",
        "storage_refrigerated_kg",
        "storage_frozen_kg",
    ]
    search_fields = ["name", "organisation__name"]
    inlines = [OpeningHoursInline]
