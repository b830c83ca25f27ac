"""The community grocery: catalogue, income-based tiers, member cards, online orders, sales,
the subsidy ledger and the mobile unit.

Money is integer cents; quantities are integer grams, as in the stock ledger. Stock itself
stays in the ledger (`inventory`): a grocery product is linked to the lots that hold it
(`ProductLot`), its availability at a site is the on-hand of those lots minus what online
orders have reserved there (`ProductStock.reserved_g`, changed only under a row lock).

Privacy (Law 25, DOMAIN.md): a member card stores the tier, its expiry and the kind of proof
seen — never an income amount or a document.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bonnebouffe.households.models import Household
from bonnebouffe.inventory.models import FoodCategory, Lot, Movement, StorageClass
from bonnebouffe.network.models import Network, Organisation, Site
from bonnebouffe.territory.models import Municipality


class EligibilityMode(models.TextChoices):
    MBM = "mbm", _("Income band against the Market Basket Measure")
    SELF_DECLARATION = "self", _("Self-declaration")
    BOTH = "both", _("Either, as the household prefers")


class GroceryPolicy(models.Model):
    """A network's choices for its grocery (one row per network)."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="grocery_policy")
    eligibility_mode = models.CharField(
        _("eligibility"),
        max_length=8,
        choices=EligibilityMode.choices,
        default=EligibilityMode.BOTH,
    )
    mbm_family_of_4_cents = models.PositiveBigIntegerField(
        _("Market Basket Measure, family of 4 (cents per year)"),
        help_text=_("Statistics Canada table 11-10-0066-01, for the network's region and year."),
    )
    mbm_label = models.CharField(_("MBM source"), max_length=200)
    card_validity_days = models.PositiveSmallIntegerField(_("card validity (days)"), default=365)
    weekly_basket_family_of_4_cents = models.PositiveIntegerField(
        _("weekly nutritious food basket, family of 4 (cents)"), default=30000
    )
    household_retention_days = models.PositiveIntegerField(
        _("purge personal data after inactivity (days)"), default=730
    )

    class Meta:
        verbose_name = _("grocery policy")
        verbose_name_plural = _("grocery policies")

    def __str__(self) -> str:
        return str(self.network)


class Funder(models.Model):
    """Who pays for the discounts of a tier (a foundation, a municipality, the network)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="funders")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("funder")
        verbose_name_plural = _("funders")

    def __str__(self) -> str:
        return self.name


class TierKind(models.TextChoices):
    REGULAR = "regular", _("Regular price")
    REDUCED = "reduced", _("Reduced price")
    PAY_IT_FORWARD = "pay_forward", _("Pay-it-forward price")


class PriceTier(models.Model):
    """A price level of the network, e.g. Solidaire (regular), Privilège, Suspendu."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="price_tiers")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=TierKind.choices)
    percent_adjust = models.DecimalField(
        _("adjustment to the regular price (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("-30 means 30 % off; +20 means 20 % more (pay-it-forward)."),
    )
    max_income_ratio = models.DecimalField(
        _("income ÷ MBM at most"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: this tier applies above every other ratio."),
    )
    self_declarable = models.BooleanField(_("can be self-declared"), default=True)
    funder = models.ForeignKey(
        Funder, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("funder")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["network", "position"]
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], name="tier_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class SoldBy(models.TextChoices):
    UNIT = "unit", _("per unit")
    KG = "kg", _("per kg")


class ProductSource(models.TextChoices):
    RESCUED = "rescued", _("Rescued food")
    TRANSFORMED = "transformed", _("Made in the shared kitchen")
    PURCHASED = "purchased", _("Purchased goods")


class Product(models.Model):
    """Something the grocery sells; its stock is the ledger lots linked to it."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("product code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    category = models.CharField(_("food category"), max_length=24, choices=FoodCategory.choices)
    storage_class = models.CharField(
        _("storage class"), max_length=16, choices=StorageClass.choices
    )
    source = models.CharField(_("source"), max_length=12, choices=ProductSource.choices)
    sold_by = models.CharField(_("sold"), max_length=4, choices=SoldBy.choices)
    unit_weight_g = models.PositiveIntegerField(_("unit weight (g)"), null=True, blank=True)
    regular_price_cents = models.PositiveIntegerField(_("regular price (cents per unit or per kg)"))
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    photo = models.ImageField(_("photo"), upload_to="grocery/products/", blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["network", "sku"], name="product_unique_sku"),
            models.CheckConstraint(
                condition=~models.Q(sold_by="unit") | models.Q(unit_weight_g__gt=0),
                name="product_unit_weight",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "is_active", "category"]),
            # The catalogue's order: pages are read straight from this index.
            models.Index(
                fields=["network", "is_active", "name", "id"], name="product_catalogue_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.sold_by == SoldBy.UNIT and not self.unit_weight_g:
            raise ValidationError(
                {"unit_weight_g": _("A product sold per unit needs its unit weight.")}
            )


class ProductTierPrice(models.Model):
    """A per-product price at a tier; without one, the tier's percentage applies."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="tier_prices")
    tier = models.ForeignKey(PriceTier, on_delete=models.CASCADE, related_name="+")
    price_cents = models.PositiveIntegerField(_("price (cents)"))

    class Meta:
        verbose_name = _("tier price")
        verbose_name_plural = _("tier prices")
        constraints = [
            models.UniqueConstraint(fields=["product", "tier"], name="tier_price_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.tier_id}: {self.price_cents}"


class ProductLot(models.Model):
    """A ledger lot that stocks a product (a lot stocks at most one product)."""

    lot = models.OneToOneField(Lot, on_delete=models.CASCADE, related_name="grocery_link")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="lot_links")

    class Meta:
        verbose_name = _("product lot")
        verbose_name_plural = _("product lots")

    def __str__(self) -> str:
        return f"{self.product_id} ← {self.lot_id}"


class ProductStock(models.Model):
    """Reservations of a product at a site: the row locked by every order and sale."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_rows")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    reserved_g = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("product reservation")
        verbose_name_plural = _("product reservations")
        constraints = [
            models.UniqueConstraint(fields=["product", "site"], name="product_stock_unique"),
            models.CheckConstraint(
                condition=models.Q(reserved_g__gte=0), name="product_stock_reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.site_id}: {self.reserved_g} g reserved"


class PointKind(models.TextChoices):
    STORE = "store", _("Community grocery")
    PARTNER_SITE = "partner", _("Partner pickup site")
    MOBILE_STOP = "mobile", _("Mobile unit stop")
    HOME_DELIVERY = "home", _("Home delivery")


class PointOfSale(models.Model):
    """Where households buy or pick up: the store, a partner site, a mobile stop, home."""

    grocery = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="points_of_sale"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=PointKind.choices)
    # Where orders for this point reserve and are picked; sales are made from `sale_site`
    # (the mobile unit's own site for a stop, the same site otherwise).
    stock_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("stock from")
    )
    sale_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("sold from")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["grocery", "name"]
        verbose_name = _("point of sale")
        verbose_name_plural = _("points of sale")

    def __str__(self) -> str:
        return self.name


class ProofKind(models.TextChoices):
    SELF_DECLARED = "self", _("Self-declared")
    DOCUMENT_SEEN = "document", _("Document seen (not kept)")
    AGENCY_REFERRAL = "referral", _("Referral by a partner agency")
    NONE = "none", _("None needed (regular price)")


class MemberCard(models.Model):
    """A household's membership card: number and QR, tier and expiry. Nothing about income."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="member_card"
    )
    number = models.CharField(_("card number"), max_length=20, unique=True)
    tier = models.ForeignKey(PriceTier, on_delete=models.PROTECT, related_name="+")
    tier_expires_on = models.DateField(_("tier valid until"))
    proof_kind = models.CharField(_("proof seen"), max_length=10, choices=ProofKind.choices)
    prepaid_cents = models.BigIntegerField(_("prepaid balance (cents)"), default=0)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member card")
        verbose_name_plural = _("member cards")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prepaid_cents__gte=0), name="card_prepaid_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderWindow(models.Model):
    """When households may order for a pickup point, and when they pick up."""

    point = models.ForeignKey(PointOfSale, on_delete=models.CASCADE, related_name="windows")
    opens_at = models.DateTimeField(_("orders open"))
    closes_at = models.DateTimeField(_("orders close"))
    pickup_starts_at = models.DateTimeField(_("pickup from"))
    pickup_ends_at = models.DateTimeField(_("pickup until"))

    class Meta:
        ordering = ["pickup_starts_at", "pk"]
        verbose_name = _("order window")
        verbose_name_plural = _("order windows")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="window_order"
            ),
            models.CheckConstraint(
                condition=models.Q(pickup_ends_at__gt=models.F("pickup_starts_at")),
                name="window_pickup_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.pickup_starts_at:%Y-%m-%d}"


class OrderStatus(models.TextChoices):
    # Contexts: French agrees these with "commande" (feminine).
    PLACED = "placed", pgettext_lazy("grocery order", "Placed")
    READY = "ready", pgettext_lazy("grocery order", "Ready")
    COLLECTED = "collected", pgettext_lazy("grocery order", "Collected")
    NO_SHOW = "no_show", pgettext_lazy("grocery order", "Not collected")
    CANCELLED = "cancelled", pgettext_lazy("grocery order", "Cancelled")


class Order(models.Model):
    """A household's online order for one window; its stock is reserved until collected."""

    number = models.CharField(_("order number"), max_length=20, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="orders")
    window = models.ForeignKey(OrderWindow, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    # Set when the mobile unit was loaded with this order (its reservation is on board).
    reserved_on_board = models.BooleanField(default=False)
    # Only for home delivery; purged with the household's other personal data.
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["window", "status"])]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(_("units"), default=0)
    quantity_g = models.PositiveBigIntegerField(_("quantity (g)"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_unique"),
            models.CheckConstraint(condition=models.Q(quantity_g__gt=0), name="order_line_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.product_id} {self.quantity_g} g"


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Debit or credit card (terminal)")
    PREPAID = "prepaid", _("Prepaid balance")
    VOUCHER = "voucher", _("Partner voucher")


class Sale(models.Model):
    """One checkout: lines taken from the ledger, the price charged, the payment."""

    number = models.CharField(_("receipt number"), max_length=20, unique=True)
    point = models.ForeignKey(PointOfSale, on_delete=models.PROTECT, related_name="sales")
    card = models.ForeignKey(
        MemberCard, on_delete=models.SET_NULL, null=True, blank=True, related_name="sales"
    )
    # The tier applied, kept for the subsidy ledger; never printed on a receipt.
    tier = models.ForeignKey(PriceTier, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="sale"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), db_index=True)
    regular_total_cents = models.BigIntegerField(_("at regular prices (cents)"))
    total_cents = models.BigIntegerField(_("charged (cents)"))
    payment_method = models.CharField(_("payment"), max_length=8, choices=PaymentMethod.choices)
    payment_reference = models.CharField(
        _("voucher or terminal reference"), max_length=60, blank=True
    )
    voucher_partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")

    def __str__(self) -> str:
        return self.number


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(_("units"), default=0)
    quantity_g = models.PositiveBigIntegerField(_("quantity (g)"))
    regular_cents = models.BigIntegerField(_("at regular price (cents)"))
    charged_cents = models.BigIntegerField(_("charged (cents)"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")

    def __str__(self) -> str:
        return f"{self.sale_id}: {self.product_id}"


class SaleLineLot(models.Model):
    """Which lots a sale line was taken from (FEFO), with its ledger movement."""

    line = models.ForeignKey(SaleLine, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity_g = models.PositiveBigIntegerField()
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("sale line lot")
        verbose_name_plural = _("sale line lots")

    def __str__(self) -> str:
        return f"{self.line_id} ← {self.lot_id}"


class SubsidyEntry(models.Model):
    """A discount as a subsidy: regular price minus price charged (negative: pay-it-forward)."""

    line = models.OneToOneField(SaleLine, on_delete=models.CASCADE, related_name="subsidy")
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(PriceTier, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(PointOfSale, on_delete=models.PROTECT, related_name="+")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, null=True, related_name="+")
    amount_cents = models.BigIntegerField(_("subsidy (cents)"))
    at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("subsidy entry")
        verbose_name_plural = _("subsidy entries")

    def __str__(self) -> str:
        return f"{self.tier_id} {self.amount_cents}"


class MobileUnit(models.Model):
    """A vehicle that sells at stops; its load is a site of the ledger (`site`)."""

    grocery = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="mobile_units")
    name = models.CharField(_("name"), max_length=120)
    site = models.OneToOneField(
        Site, on_delete=models.PROTECT, related_name="mobile_unit", verbose_name=_("vehicle stock")
    )
    home_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("loaded at")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("mobile unit")
        verbose_name_plural = _("mobile units")

    def __str__(self) -> str:
        return self.name


class MobileStop(models.Model):
    """A weekly stop of the timetable; each stop is also a point of sale."""

    unit = models.ForeignKey(MobileUnit, on_delete=models.CASCADE, related_name="stops")
    point = models.OneToOneField(PointOfSale, on_delete=models.PROTECT, related_name="mobile_stop")
    place_name = models.CharField(_("place"), max_length=200)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)

    class Meta:
        ordering = ["unit", "weekday", "starts_at"]
        verbose_name = _("mobile unit stop")
        verbose_name_plural = _("mobile unit stops")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="stop_time_order"
            ),
        ]

    def __str__(self) -> str:
        return self.place_name


class TripStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    LOADED = "loaded", _("Loaded")
    RETURNED = "returned", _("Returned")


class MobileTrip(models.Model):
    """One day's tour of a mobile unit: loaded at the hub, sells at its stops, returns."""

    unit = models.ForeignKey(MobileUnit, on_delete=models.PROTECT, related_name="trips")
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=TripStatus.choices, default=TripStatus.PLANNED
    )
    loaded_at = models.DateTimeField(_("loaded"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "unit"]
        verbose_name = _("mobile unit trip")
        verbose_name_plural = _("mobile unit trips")
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="trip_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.date}"


class DataRequestKind(models.TextChoices):
    CORRECTION = "correction", _("Correct my information")
    DELETION = "deletion", _("Delete my personal information")


class DataRequest(models.Model):
    """A household's request to correct or delete its data (Law 25: answer within 30 days)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("request"), max_length=12, choices=DataRequestKind.choices)
    message = models.CharField(_("what to change"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    handled_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["handled_at", "-created_at"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"
