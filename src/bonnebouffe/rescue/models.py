"""Surplus offers, the cascade between hubs, and reception at a hub."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import DateKind, FoodCategory, Lot, StorageClass
from bonnebouffe.network.models import Organisation, Site


class OfferKind(models.TextChoices):
    SURPLUS = "surplus", _("Surplus food")
    GLEANING = "gleaning", _("A field to glean")


class Handover(models.TextChoices):
    PICKUP = "pickup", _("Pickup at the donor")
    DROPOFF = "dropoff", _("Drop-off at a hub")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTLY_TAKEN = "partly_taken", _("Partly accepted")
    TAKEN = "taken", _("Accepted")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")


class CascadeStage(models.TextChoices):
    HOME_HUB = "home_hub", _("Offered to the home hub")
    NETWORK = "network", _("Offered to every hub")
    OPEN_BOARD = "open_board", _("On the open board for agencies")
    DONE = "done", _("Cascade over")


class Offer(models.Model):
    donor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offers")
    kind = models.CharField(
        _("kind"), max_length=10, choices=OfferKind.choices, default=OfferKind.SURPLUS
    )
    handover = models.CharField(_("handover"), max_length=10, choices=Handover.choices)
    pickup_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pickup place"),
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    dropoff_hub = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drop-off hub"),
    )
    home_hub = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="home_offers",
        verbose_name=_("home hub"),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    photo = models.ImageField(_("photo"), upload_to="offers/%Y/%m/", null=True, blank=True)
    estimated_kg = models.DecimalField(
        _("estimated kg (gleaning)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=14, choices=OfferStatus.choices, default=OfferStatus.OPEN
    )
    stage = models.CharField(
        _("cascade stage"),
        max_length=12,
        choices=CascadeStage.choices,
        default=CascadeStage.HOME_HUB,
    )
    stage_until = models.DateTimeField(_("stage ends"), null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["status", "stage"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="offer_window_order",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.donor}"


class OfferItem(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="items")
    product_name = models.CharField(_("product"), max_length=200)
    category = models.CharField(_("food category"), max_length=24, choices=FoodCategory.choices)
    quantity_g = models.PositiveBigIntegerField(_("quantity (g)"))
    units = models.PositiveIntegerField(_("number of units"), null=True, blank=True)
    unit_weight_g = models.PositiveIntegerField(_("unit weight (g)"), null=True, blank=True)
    storage_class = models.CharField(
        _("storage class"), max_length=16, choices=StorageClass.choices
    )
    date_kind = models.CharField(_("date kind"), max_length=16, choices=DateKind.choices)
    date_value = models.DateField(_("date"), null=True, blank=True)
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    accepted_g = models.PositiveBigIntegerField(_("accepted (g)"), default=0)

    class Meta:
        verbose_name = _("offered item")
        verbose_name_plural = _("offered items")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_g__gt=0), name="offeritem_positive"),
            models.CheckConstraint(
                condition=models.Q(accepted_g__lte=models.F("quantity_g")),
                name="offeritem_not_overtaken",
            ),
        ]

    def __str__(self) -> str:
        return self.product_name

    @property
    def remaining_g(self) -> int:
        return int(self.quantity_g - self.accepted_g)


class Acceptance(models.Model):
    """A hub (or, on the open board, an agency) takes all or part of an offer."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="acceptances")
    taker = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    received = models.BooleanField(_("received"), default=False)

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.taker_id}"


class AcceptanceLine(models.Model):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(OfferItem, on_delete=models.PROTECT, related_name="acceptance_lines")
    quantity_g = models.PositiveBigIntegerField(_("quantity (g)"))

    def __str__(self) -> str:
        return f"{self.item_id}: {self.quantity_g} g"


class Reception(models.Model):
    """Food arriving at a hub site: weighed, temperature-checked and inspected item by item."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="receptions")
    donor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.PROTECT, null=True, blank=True, related_name="receptions"
    )
    at = models.DateTimeField(_("received at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")

    def __str__(self) -> str:
        return f"{self.site_id} {self.at:%Y-%m-%d %H:%M}"


class ReceptionItem(models.Model):
    reception = models.ForeignKey(Reception, on_delete=models.CASCADE, related_name="items")
    offer_item = models.ForeignKey(
        OfferItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(_("product"), max_length=200)
    category = models.CharField(_("food category"), max_length=24, choices=FoodCategory.choices)
    storage_class = models.CharField(
        _("storage class"), max_length=16, choices=StorageClass.choices
    )
    date_kind = models.CharField(_("date kind"), max_length=16, choices=DateKind.choices)
    date_value = models.DateField(_("date"), null=True, blank=True)
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    weight_g = models.PositiveBigIntegerField(_("actual weight (g)"))
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    packaging_intact = models.BooleanField(_("packaging intact"))
    label_present = models.BooleanField(_("label present"))
    accepted = models.BooleanField(_("accepted"))
    refusal_reason = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="reception_item")

    class Meta:
        verbose_name = _("received item")
        verbose_name_plural = _("received items")

    def __str__(self) -> str:
        return self.product_name
