"""The cold chain: fridges, freezers and trucks, their daily temperature log and excursions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Site


class UnitKind(models.TextChoices):
    FRIDGE = "fridge", _("Fridge or walk-in cooler")
    FREEZER = "freezer", _("Freezer")
    TRUCK = "truck", _("Refrigerated truck")


class ColdUnit(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="cold_units")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=UnitKind.choices)
    storage_class = models.CharField(
        _("storage class"),
        max_length=16,
        choices=[("refrigerated", _("Refrigerated")), ("frozen", _("Frozen"))],
    )
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("cold unit")
        verbose_name_plural = _("cold units")
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="coldunit_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.site.name})"


class ReadingSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    SENSOR = "sensor", _("Sensor")


class TemperatureReading(models.Model):
    unit = models.ForeignKey(ColdUnit, on_delete=models.CASCADE, related_name="readings")
    at = models.DateTimeField(_("when"), db_index=True)
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=5, decimal_places=1)
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    within_limit = models.BooleanField(_("within the limit"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("temperature reading")
        verbose_name_plural = _("temperature readings")
        indexes = [models.Index(fields=["unit", "at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.temperature_c} °C"


class ExcursionStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    RELEASED = "released", _("Reviewed: lots released")
    DISCARDED = "discarded", _("Reviewed: lots discarded")


class Excursion(models.Model):
    """A reading above the limit: the lots in the unit are held until someone reviews them."""

    unit = models.ForeignKey(ColdUnit, on_delete=models.CASCADE, related_name="excursions")
    reading = models.OneToOneField(
        TemperatureReading, on_delete=models.CASCADE, related_name="excursion"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExcursionStatus.choices, default=ExcursionStatus.OPEN
    )
    lots = models.ManyToManyField("inventory.Lot", related_name="excursions", blank=True)
    resolution = models.CharField(_("review notes"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["-reading__at"]
        verbose_name = _("temperature excursion")
        verbose_name_plural = _("temperature excursions")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.get_status_display()}"
