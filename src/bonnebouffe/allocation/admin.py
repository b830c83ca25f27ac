"""Portioned boxes in the admin. Compositions are set-up data and may be edited; assemblies
are read-only because each one is a stock transformation made by `boxes.box_assemble`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import BoxAssembly, BoxComposition, BoxCompositionLine


class BoxCompositionLineInline(admin.TabularInline):
    model = BoxCompositionLine
    extra = 1


@admin.register(BoxComposition)
class BoxCompositionAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "storage_class", "is_active")
    list_filter = ("network", "storage_class", "is_active")
    search_fields = ("name",)
    inlines = [BoxCompositionLineInline]


@admin.register(BoxAssembly)
class BoxAssemblyAdmin(admin.ModelAdmin):
    list_display = ("at", "composition", "site", "count", "box_lot")
    list_filter = ("composition",)
    list_select_related = ("composition", "site", "box_lot")
    readonly_fields = ("composition", "site", "count", "transformation", "box_lot", "actor", "at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
