from django.contrib import admin

from .models import Contribution, Project


class ContributionInline(admin.TabularInline):
    model = Contribution
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "carrier", "status"]
    inlines = [ContributionInline]
    filter_horizontal = ["territories"]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "project", "mrc", "kind"]
    list_filter = ["kind", "project", "mrc"]
