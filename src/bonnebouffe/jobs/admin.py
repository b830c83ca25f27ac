from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "progress", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["params", "result"]
