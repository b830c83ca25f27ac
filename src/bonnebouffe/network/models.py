"""The network registry: networks, organisations (hubs, agencies, donors...) and their sites."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.territory.models import MRC, Municipality, Region


class Network(models.Model):
    """A food-access network; it can span several regions."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    regions = models.ManyToManyField(Region, related_name="networks", verbose_name=_("regions"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    FOOD_BANK = "food_bank", _("Regional food bank")
    HUB = "hub", _("Hub (antenne)")
    COMMUNITY = "community", _("Community organisation")
    SCHOOL = "school", _("School")
    CHSLD = "chsld", _("CHSLD (long-term care)")
    DAYCARE = "daycare", _("CPE or daycare")
    SOCIAL_HOUSING = "social_housing", _("Social housing")
    WOMENS_CENTRE = "womens_centre", _("Women's centre")
    DEPANNEUR = "depanneur", _("Dépanneur")
    COLLECTIVE_KITCHEN = "collective_kitchen", _("Collective kitchen")
    LOCAL_SHOP = "local_shop", _("Local shop")
    FARM = "farm", _("Farm")
    GROCERY = "grocery", _("Grocery store")
    RESTAURANT = "restaurant", _("Restaurant or caterer")
    MUNICIPALITY = "municipality", _("Municipality or MRC")
    HEALTH = "health", _("Health network")
    SCHOOL_SERVICE_CENTRE = "school_service_centre", _("School service centre")
    SOCIAL_ECONOMY = "social_economy", _("Social economy enterprise")


class Organisation(models.Model):
    """A member of the network. A hub serves one or more MRCs; others are attached to a hub."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    # Denormalised from the municipality: the territory that scopes who may see the record.
    mrc = models.ForeignKey(
        MRC, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("MRC")
    )
    hub = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        limit_choices_to={"kind": OrganisationKind.HUB},
        verbose_name=_("hub"),
    )
    served_mrcs = models.ManyToManyField(
        MRC, blank=True, related_name="hubs", verbose_name=_("territory served (hubs)")
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    public_email = models.EmailField(_("general email"), blank=True)
    public_phone = models.CharField(_("general phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="organisation_unique_name"),
        ]
        indexes = [models.Index(fields=["network", "mrc", "kind"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.municipality_id and self.mrc_id and self.municipality.mrc_id != self.mrc_id:
            raise ValidationError({"mrc": _("The MRC must be the municipality's MRC.")})
        if self.hub_id and self.hub_id == self.pk:
            raise ValidationError({"hub": _("An organisation cannot be its own hub.")})

    @property
    def is_hub(self) -> bool:
        return self.kind == OrganisationKind.HUB


class TruckAccess(models.TextChoices):
    ANY = "any", _("Any truck, loading dock")
    LARGE = "large", _("Large truck, no dock")
    SMALL = "small", _("Small truck or van only")
    CAR = "car", _("Car only")


class StorageClass(models.TextChoices):
    AMBIENT = "ambient", _("Ambient")
    REFRIGERATED = "refrigerated", _("Refrigerated")
    FROZEN = "frozen", _("Frozen")


class Site(models.Model):
    """A physical place of an organisation: address, hours, storage and access."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sites", verbose_name=_("municipality")
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    storage_ambient_kg = models.PositiveIntegerField(_("ambient storage (kg)"), default=0)
    storage_refrigerated_kg = models.PositiveIntegerField(_("refrigerated storage (kg)"), default=0)
    storage_frozen_kg = models.PositiveIntegerField(_("frozen storage (kg)"), default=0)
    truck_access = models.CharField(
        _("truck access"), max_length=16, choices=TruckAccess.choices, default=TruckAccess.ANY
    )
    max_vehicle_length_m = models.DecimalField(
        _("maximum vehicle length (m)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    access_notes = models.TextField(_("access notes for drivers"), blank=True)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    contact_role = models.CharField(
        _("contact role"),
        max_length=120,
        blank=True,
        help_text=_("A role, not a person: e.g. “Coordination”, “Reception desk”."),
    )
    is_primary = models.BooleanField(_("main site"), default=False)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.organisation} — {self.name}"

    def storage_kg(self, storage_class: str) -> int:
        return int(getattr(self, f"storage_{storage_class}_kg"))


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening period of a site on a weekday (several per day are allowed)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"
