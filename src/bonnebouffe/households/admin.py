from django.contrib import admin

from .models import Household


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    """Only references in the list; opening a record in the admin is a deliberate act."""

    list_display = ["reference", "agency"]
    search_fields = ["reference"]
