"""The stock ledger: lots, storage locations, append-only movements and derived balances.

Quantities are integer grams so that the reconciliation closes to the gram. A `Movement` is
never updated or deleted, and the database refuses it (ledger_guard, migration 0005).
`Balance` is a projection of the movements per (lot, site, location), written only by
`services.movement_record` in the same transaction as the movement, under row locks taken
in primary-key order; its check constraint makes negative stock impossible even if two
writers race. `selectors.balance_rebuild_diff` recomputes it
from the movements to prove it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Organisation, Site


class StorageClass(models.TextChoices):
    AMBIENT = "ambient", _("Ambient")
    REFRIGERATED = "refrigerated", _("Refrigerated")
    FROZEN = "frozen", _("Frozen")


class FoodCategory(models.TextChoices):
    """Food categories, each mapped to a Canada's Food Guide group (domain.food_guide)."""

    VEGETABLES_FRUITS = "vegetables_fruits", _("Vegetables and fruits")
    PROTEIN = "protein", _("Protein foods")
    DAIRY = "dairy", _("Milk and dairy products")
    WHOLE_GRAINS = "whole_grains", _("Whole grain foods")
    BAKERY = "bakery", _("Bread and bakery")
    PREPARED = "prepared", _("Prepared meals")
    DRY_GOODS = "dry_goods", _("Dry and canned goods")
    BEVERAGES = "beverages", _("Beverages")
    INFANT = "infant", _("Infant formula and supplements")
    OTHER = "other", _("Other")


class DateKind(models.TextChoices):
    BEST_BEFORE = "best_before", _("Best before")
    USE_BY = "use_by", _("Expiration date (date limite d'utilisation)")
    PACKAGED_ON = "packaged_on", _("Packaging date")
    NONE = "none", _("No date")


class Allergen(models.TextChoices):
    PEANUTS = "peanuts", _("Peanuts")
    TREE_NUTS = "tree_nuts", _("Tree nuts")
    MILK = "milk", _("Milk")
    EGGS = "eggs", _("Eggs")
    FISH = "fish", _("Fish")
    CRUSTACEANS_MOLLUSCS = "crustaceans_molluscs", _("Crustaceans and molluscs")
    SOY = "soy", _("Soy")
    WHEAT_TRITICALE = "wheat_triticale", _("Wheat and triticale")
    SESAME = "sesame", _("Sesame")
    MUSTARD = "mustard", _("Mustard")
    SULPHITES = "sulphites", _("Sulphites")


class StorageLocation(models.Model):
    """A place inside a site: a shelf, a walk-in fridge, a freezer, a truck."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=100)
    storage_class = models.CharField(
        _("storage class"), max_length=16, choices=StorageClass.choices
    )
    # The cold unit (fridge, freezer, truck) whose temperature this location follows.
    cold_unit = models.ForeignKey(
        "coldchain.ColdUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("cold unit"),
    )

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("storage location")
        verbose_name_plural = _("storage locations")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="location_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.name}"


class Transformation(models.Model):
    """Inputs consumed and outputs produced together (shared kitchen, boxes, conditioning)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="transformations")
    description = models.CharField(_("description"), max_length=200)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("transformation")
        verbose_name_plural = _("transformations")

    def __str__(self) -> str:
        return self.description


class Lot(models.Model):
    """A quantity of one product received together, with one code, date and storage class."""

    code = models.CharField(_("lot code"), max_length=20, unique=True)
    product_name = models.CharField(_("product"), max_length=200)
    category = models.CharField(_("food category"), max_length=24, choices=FoodCategory.choices)
    storage_class = models.CharField(
        _("storage class"), max_length=16, choices=StorageClass.choices
    )
    date_kind = models.CharField(_("date kind"), max_length=16, choices=DateKind.choices)
    date_value = models.DateField(_("date"), null=True, blank=True)
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    unit_weight_g = models.PositiveIntegerField(_("unit weight (g)"), null=True, blank=True)
    hub = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="lots", verbose_name=_("hub")
    )
    donor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donated_lots",
        verbose_name=_("donor"),
    )
    source_transformation = models.ForeignKey(
        Transformation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outputs",
        verbose_name=_("made by transformation"),
    )
    refused = models.BooleanField(_("refused at reception"), default=False)
    under_review = models.BooleanField(_("temperature excursion under review"), default=False)
    recalled = models.BooleanField(_("recalled"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [
            models.Index(fields=["hub", "category"]),
            models.Index(fields=["date_value"]),
            models.Index(fields=["product_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.product_name}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    TRANSFER = "transfer", _("Transfer between sites")
    ISSUE = "issue", _("Issue to an agency")
    SALE = "sale", _("Sale")
    TRANSFORM_IN = "transform_in", _("Transformation input")
    TRANSFORM_OUT = "transform_out", _("Transformation output")
    ADJUST_UP = "adjust_up", _("Count adjustment (found)")
    ADJUST_DOWN = "adjust_down", _("Count adjustment (missing)")
    LOSS = "loss", _("Loss")
    DISPOSAL = "disposal", _("Valorisation disposal")


class Destination(models.TextChoices):
    """Where outgoing food ends on the valorisation scale (domain.valorisation)."""

    FOOD = "food", _("Given or sold as food")
    TRANSFORMED = "transformed", _("Transformed")
    ANIMAL_FEED = "animal_feed", _("Animal feed")
    COMPOST = "compost", _("Compost or anaerobic digestion")
    DISPOSAL = "disposal", _("Disposal")
    LOSS = "loss", _("Recorded loss")


class Movement(models.Model):
    """One line of the append-only ledger. Inflows have `to_site`, outflows `from_site`."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity_g = models.PositiveBigIntegerField(_("quantity (g)"))
    from_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    destination = models.CharField(
        _("destination"), max_length=16, choices=Destination.choices, blank=True
    )
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_movements",
        verbose_name=_("recipient"),
    )
    transformation = models.ForeignKey(
        Transformation, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A client-chosen key: the same request sent twice (lost signal, retry) applies once.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        indexes = [models.Index(fields=["lot", "at"]), models.Index(fields=["kind", "at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_g__gt=0), name="movement_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity_g} g {self.lot_id}"


class Balance(models.Model):
    """On hand per lot, site and location: a projection of the movements, never edited."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="balances"
    )
    quantity_g = models.BigIntegerField(default=0)
    # Copied from the lot (which never changes them) so that on hand by category reads one
    # narrow index instead of joining every lot of the site.
    category = models.CharField(max_length=24, choices=FoodCategory.choices)
    storage_class = models.CharField(max_length=16, choices=StorageClass.choices)

    class Meta:
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_g__gte=0), name="balance_not_negative"
            ),
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["lot", "site", "location"],
                condition=models.Q(location__isnull=False),
                name="balance_unique_in_location",
            ),
            models.UniqueConstraint(
                fields=["lot", "site"],
                condition=models.Q(location__isnull=True),
                name="balance_unique_in_site",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "quantity_g"]),
            models.Index(
                fields=["site", "category", "storage_class", "quantity_g"],
                name="balance_onhand_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}@{self.site_id}: {self.quantity_g} g"


class StockCount(models.Model):
    """A physical count of a site (or one location); variances become adjustments."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="counts")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")

    def __str__(self) -> str:
        return f"{self.site_id} {self.started_at:%Y-%m-%d}"


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    expected_g = models.BigIntegerField(_("expected (g)"))
    counted_g = models.BigIntegerField(_("counted (g)"))

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.counted_g} g"

    @property
    def variance_g(self) -> int:
        return self.counted_g - self.expected_g
