from django.contrib import admin

from .models import MRC, DisseminationArea, Municipality, Region

admin.site.register(Region)


@admin.register(MRC)
class MRCAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "csd_code", "mrc", "population"]
    list_filter = ["mrc"]
    search_fields = ["name", "csd_code"]


@admin.register(DisseminationArea)
class DisseminationAreaAdmin(admin.ModelAdmin):
    list_display = ["dauid", "municipality", "population", "material_quintile", "social_quintile"]
    search_fields = ["dauid"]
