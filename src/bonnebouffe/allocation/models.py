"""Fair allocation: agency needs per week, allocation runs and their lines.

Quantities are integer grams like the stock ledger. A run's lines point at one Balance place
(lot, site, location) so that publishing can lock it and delivering can issue from it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import Lot, StorageLocation
from bonnebouffe.network.models import Network, Organisation, Site

PERIOD_VALIDATOR_HELP = _("ISO week, for example 2026-W49.")


class AllocationPolicy(models.Model):
    """A network's fairness settings (one row per network; defaults from settings)."""

    network = models.OneToOneField(
        Network, on_delete=models.CASCADE, related_name="allocation_policy"
    )
    delta = models.DecimalField(
        _("equity band (delta)"),
        max_digits=4,
        decimal_places=2,
        default=0.10,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
        help_text=_("0.10 keeps every agency within 10 % of its fair share when possible."),
    )
    deprivation_q5 = models.DecimalField(
        _("need factor, most deprived quintile (Q5)"), max_digits=3, decimal_places=2, default=1.2
    )
    deprivation_q4 = models.DecimalField(
        _("need factor, quintile Q4"), max_digits=3, decimal_places=2, default=1.1
    )
    use_deprivation = models.BooleanField(_("weigh need by deprivation"), default=True)
    window_weeks = models.PositiveSmallIntegerField(
        _("rolling equity window (weeks)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )

    class Meta:
        verbose_name = _("allocation policy")
        verbose_name_plural = _("allocation policies")

    def __str__(self) -> str:
        return str(self.network)


class AgencyNeed(models.Model):
    """What an agency declares for one ISO week: people served, room, food it cannot use."""

    agency = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="needs")
    period = models.CharField(_("week"), max_length=8, help_text=PERIOD_VALIDATOR_HELP)
    people_served = models.PositiveIntegerField(
        _("people served"), validators=[MinValueValidator(1)]
    )
    capacity_ambient_kg = models.PositiveIntegerField(_("ambient room (kg)"), null=True, blank=True)
    capacity_refrigerated_kg = models.PositiveIntegerField(
        _("refrigerated room (kg)"), null=True, blank=True
    )
    capacity_frozen_kg = models.PositiveIntegerField(_("frozen room (kg)"), null=True, blank=True)
    ineligible_categories = models.JSONField(
        _("food categories it cannot use"), default=list, blank=True
    )
    delivery_weekdays = models.JSONField(_("delivery weekdays"), default=list, blank=True)
    earliest_delivery = models.DateField(_("earliest delivery date"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["period", "agency__name"]
        verbose_name = _("agency need")
        verbose_name_plural = _("agency needs")
        constraints = [
            models.UniqueConstraint(fields=["agency", "period"], name="agency_need_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.period}"


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Computing")
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class AllocationRun(models.Model):
    """One allocation of a week's supply, for one hub or the whole network."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="allocation_runs")
    period = models.CharField(_("week"), max_length=8)
    hub = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocation_runs",
        verbose_name=_("hub (empty: whole network)"),
    )
    delta = models.FloatField(_("equity band (delta)"))
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    # {"plan": {...}, "baseline": {...}, "method": ..., "hard_band_held": ...}
    metrics = models.JSONField(_("equity measures"), default=dict, blank=True)
    explanations = models.JSONField(default=list, blank=True)
    curve = models.JSONField(_("trade-off curve"), default=list, blank=True)
    # The engine's JSON problem, kept to re-check adjustments (bonnebouffe.allocation/1).
    problem = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    job_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class LineStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    DELIVERED = "delivered", _("Delivered")


class AllocationLine(models.Model):
    """Grams of one lot (at one place) proposed to one agency."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="lines")
    agency = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="allocation_lines"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocation_lines")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity_g = models.PositiveBigIntegerField(_("quantity (g)"))
    status = models.CharField(
        _("status"), max_length=16, choices=LineStatus.choices, default=LineStatus.PROPOSED
    )
    adjusted = models.BooleanField(_("adjusted by hand"), default=False)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "lot__date_value", "pk"]
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_g__gte=0), name="line_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} → {self.agency_id}: {self.quantity_g} g"

    @property
    def quantity_kg(self) -> Decimal:
        return (Decimal(self.quantity_g) / 1000).quantize(Decimal("0.001"))


# ---------------------------------------------------------------- portioned boxes

# Imported here, not at the top, so that this section stays an addition at the end of the
# module (the pooling mode is written in parallel in the same file).
from bonnebouffe.inventory.models import (  # noqa: E402
    FoodCategory,
    StorageClass,
    Transformation,
)


class BoxComposition(models.Model):
    """A standard box (for example "panier famille 4 personnes"): grams per food category.

    Assembling boxes (allocation.boxes.box_assemble) consumes lots of these categories and
    produces one box lot, which runs then allocate like any other lot.
    """

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="box_compositions")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    storage_class = models.CharField(
        _("storage class"),
        max_length=16,
        choices=StorageClass.choices,
        default=StorageClass.AMBIENT,
        help_text=_("How the assembled boxes are kept; it decides which lots may go in."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("box composition")
        verbose_name_plural = _("box compositions")
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="box_composition_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def box_weight_g(self) -> int:
        return sum(line.quantity_g for line in self.lines.all())


class BoxCompositionLine(models.Model):
    """Grams of one food category in each box."""

    composition = models.ForeignKey(BoxComposition, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("food category"), max_length=24, choices=FoodCategory.choices)
    quantity_g = models.PositiveIntegerField(
        _("grams per box"), validators=[MinValueValidator(1), MaxValueValidator(50_000)]
    )

    class Meta:
        ordering = ["composition", "-quantity_g", "category"]
        verbose_name = _("box composition line")
        verbose_name_plural = _("box composition lines")
        constraints = [
            models.UniqueConstraint(
                fields=["composition", "category"], name="box_line_unique_category"
            ),
            models.CheckConstraint(condition=models.Q(quantity_g__gt=0), name="box_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.composition_id} {self.category}: {self.quantity_g} g"


class BoxAssembly(models.Model):
    """One assembly of `count` boxes at a site: the transformation and the box lot it made."""

    composition = models.ForeignKey(
        BoxComposition, on_delete=models.PROTECT, related_name="assemblies"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("number of boxes"), validators=[MinValueValidator(1)])
    transformation = models.OneToOneField(
        Transformation, on_delete=models.PROTECT, related_name="box_assembly"
    )
    box_lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="box_assembly")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("box assembly")
        verbose_name_plural = _("box assemblies")

    def __str__(self) -> str:
        return f"{self.composition} x {self.count}"


# ---------------------------------------------------------------- pooling (Choice System)
# After Feeding America's Choice System (Prendergast 2022, docs/allocation.md): hubs hold
# shares granted by need and spend them in sealed first-price rounds on pooled lots.


class PoolingCategory(models.Model):
    """A food category the network shares by bidding rounds instead of allocation runs."""

    policy = models.ForeignKey(
        AllocationPolicy, on_delete=models.CASCADE, related_name="pooling_categories"
    )
    category = models.CharField(_("food category"), max_length=32)

    class Meta:
        ordering = ["category"]
        verbose_name = _("pooled category")
        verbose_name_plural = _("pooled categories")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "category"], name="pooling_category_unique_per_policy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.category}"


class ShareAccount(models.Model):
    """A hub's shares for one ISO week: carried balance plus shares granted by need."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="share_accounts")
    hub = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="share_accounts")
    period = models.CharField(_("week"), max_length=8)
    need_weight = models.FloatField(_("need weight"))
    granted = models.PositiveIntegerField(_("shares granted"), default=0)
    balance = models.PositiveIntegerField(_("share balance"), default=0)

    class Meta:
        ordering = ["period", "hub__name"]
        verbose_name = _("share account")
        verbose_name_plural = _("share accounts")
        constraints = [
            models.UniqueConstraint(fields=["hub", "period"], name="share_account_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.hub} {self.period}: {self.balance}"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class BiddingRound(models.Model):
    """A sealed-bid round on pooled lots; its awards become one published allocation run."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="bidding_rounds")
    period = models.CharField(_("week"), max_length=8)
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # {"spent_shares": int, "redistribution": {hub_id: shares}, "rejections": [...]}
    result = models.JSONField(_("result"), default=dict, blank=True)
    run = models.OneToOneField(
        AllocationRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bidding_round",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("bidding round")
        verbose_name_plural = _("bidding rounds")

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class PooledLot(models.Model):
    """Grams of one lot, at one place, offered in a round."""

    round = models.ForeignKey(BiddingRound, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="pooled_offers")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity_g = models.PositiveBigIntegerField(
        _("quantity (g)"), validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pooled lot")
        verbose_name_plural = _("pooled lots")

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.quantity_g} g"

    @property
    def quantity_kg(self) -> Decimal:
        return (Decimal(self.quantity_g) / 1000).quantize(Decimal("0.001"))


class BidStatus(models.TextChoices):
    SEALED = "sealed", _("Sealed")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    REJECTED = "rejected", _("Refused at closing")


class Bid(models.Model):
    """A hub's sealed bid in shares on a pooled lot, alone or with partner hubs."""

    round = models.ForeignKey(BiddingRound, on_delete=models.CASCADE, related_name="bids")
    pooled_lot = models.ForeignKey(PooledLot, on_delete=models.CASCADE, related_name="bids")
    hub = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="joint_bids", verbose_name=_("partner hubs")
    )
    shares = models.PositiveIntegerField(_("shares offered"))
    status = models.CharField(
        _("status"), max_length=8, choices=BidStatus.choices, default=BidStatus.SEALED
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(fields=["pooled_lot", "hub"], name="bid_one_per_hub_and_lot")
        ]

    def __str__(self) -> str:
        return f"{self.hub_id} → {self.pooled_lot_id}: {self.shares}"
