"""Territory: regions, MRCs, municipalities and dissemination areas (Statistics Canada codes)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative region of Québec (e.g. 16 Montérégie)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class MRC(models.Model):
    """A regional county municipality (MRC) or equivalent territory."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="mrcs")
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("MRC")
        verbose_name_plural = _("MRCs")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A census subdivision (CSD), with its 2021 population and the point of its village core."""

    csd_code = models.CharField(_("census code"), max_length=7, unique=True)
    csd_type = models.CharField(_("census type"), max_length=8, blank=True)
    name = models.CharField(_("name"), max_length=120)
    mrc = models.ForeignKey(MRC, on_delete=models.PROTECT, related_name="municipalities")
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)
    coords_uncertain = models.BooleanField(_("coordinates uncertain"), default=False)
    # Pampalon deprivation quintiles (1 = least deprived, 5 = most), when imported.
    material_quintile = models.PositiveSmallIntegerField(
        _("material deprivation quintile"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    social_quintile = models.PositiveSmallIntegerField(
        _("social deprivation quintile"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class DisseminationArea(models.Model):
    """A census dissemination area with its population and Pampalon deprivation quintiles."""

    dauid = models.CharField(_("dissemination area code"), max_length=8, unique=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="dissemination_areas"
    )
    population = models.PositiveIntegerField(_("population"))
    material_quintile = models.PositiveSmallIntegerField(
        _("material deprivation quintile"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    social_quintile = models.PositiveSmallIntegerField(
        _("social deprivation quintile"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    class Meta:
        ordering = ["dauid"]
        verbose_name = _("dissemination area")
        verbose_name_plural = _("dissemination areas")

    def __str__(self) -> str:
        return self.dauid
