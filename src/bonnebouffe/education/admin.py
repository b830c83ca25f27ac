from django.contrib import admin

from .models import Recipe, RecipeIngredient, Workshop, WorkshopRegistration


class RecipeIngredientInline(admin.TabularInline):
    model = RecipeIngredient
    extra = 3
    raw_id_fields = ["product"]


@admin.register(Recipe)
class RecipeAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "portions", "is_published"]
    list_filter = ["is_published", "network"]
    search_fields = ["title", "summary"]
    inlines = [RecipeIngredientInline]


class WorkshopRegistrationInline(admin.TabularInline):
    model = WorkshopRegistration
    extra = 0
    readonly_fields = ["user", "seats", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Registrations go through the workshop page, which counts seats under a lock.
        return False


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "municipality", "starts_at", "capacity", "is_published"]
    list_filter = ["kind", "is_published", "network"]
    search_fields = ["title", "place", "municipality__name"]
    date_hierarchy = "starts_at"
    inlines = [WorkshopRegistrationInline]


# Needs survey responses are deliberately not in the admin: they are read only as
# aggregates per MRC (survey results page), never one by one.
