"""The grocery's educational side: recipes costed from current prices, workshops with
registration, and the anonymous needs survey.

Quantities are integer grams, as in the stock ledger. Privacy (Law 25, DOMAIN.md): a needs
survey response holds no personal data — no user, no household, no name, no address — only
the kind of respondent, an MRC, what they want and where they could pick up; results are
shown aggregated per MRC only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.grocery.models import Product
from bonnebouffe.inventory.models import Allergen, FoodCategory
from bonnebouffe.network.models import Network
from bonnebouffe.territory.models import MRC, Municipality

MAX_SEATS_PER_REGISTRATION = 6


class Recipe(models.Model):
    """A home recipe; its cost and Food Guide plate come from its ingredients."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="recipes")
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    portions = models.PositiveSmallIntegerField(
        _("portions"), default=4, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    steps = models.TextField(_("steps"), help_text=_("One step per line."))
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("recipe")
        verbose_name_plural = _("recipes")
        constraints = [
            models.CheckConstraint(condition=models.Q(portions__gte=1), name="recipe_portions"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        known = set(Allergen.values)
        if not isinstance(self.allergens, list) or not set(self.allergens) <= known:
            raise ValidationError({"allergens": _("Use only the priority allergens listed.")})

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]

    def allergen_labels(self) -> list[str]:
        return [str(Allergen(a).label) for a in self.allergens if a in Allergen.values]


class RecipeIngredient(models.Model):
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="ingredients")
    name = models.CharField(_("ingredient"), max_length=120)
    category = models.CharField(_("food category"), max_length=24, choices=FoodCategory.choices)
    quantity_g = models.PositiveIntegerField(_("quantity (g)"))
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grocery product"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["recipe", "position", "pk"]
        verbose_name = _("ingredient")
        verbose_name_plural = _("ingredients")

    def __str__(self) -> str:
        return f"{self.name} ({self.quantity_g} g)"


class WorkshopKind(models.TextChoices):
    COLLECTIVE_KITCHEN = "kitchen", _("Collective kitchen")
    TASTING = "tasting", _("Tasting")
    BUDGET = "budget", _("Food budget workshop")
    OTHER = "other", _("Other workshop")


class Workshop(models.Model):
    """A collective kitchen, a tasting or a budget workshop, with a number of seats."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=WorkshopKind.choices)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1)])
    is_published = models.BooleanField(_("published"), default=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="workshop_times"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="workshop_capacity"),
        ]
        indexes = [models.Index(fields=["network", "is_published", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A workshop must end after it starts.")})


class WorkshopRegistration(models.Model):
    """A signed-in user's seats at a workshop; written only under the workshop's row lock."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_registrations"
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS_PER_REGISTRATION)],
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["workshop", "created_at", "pk"]
        verbose_name = _("workshop registration")
        verbose_name_plural = _("workshop registrations")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="registration_unique"),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1, seats__lte=MAX_SEATS_PER_REGISTRATION),
                name="registration_seats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}/{self.user_id}: {self.seats}"


class RespondentKind(models.TextChoices):
    HOUSEHOLD = "household", _("A household")
    AGENCY = "agency", _("A community organisation")


class NeedsSurveyResponse(models.Model):
    """One anonymous answer to the needs survey ("produits souhaités et lieux
    approvisionnés"). No personal data, by design: no user, household or free address."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="needs_survey_responses"
    )
    respondent_kind = models.CharField(
        _("answering as"), max_length=10, choices=RespondentKind.choices
    )
    mrc = models.ForeignKey(MRC, on_delete=models.PROTECT, related_name="+", verbose_name=_("MRC"))
    wanted_categories = models.JSONField(_("wanted food categories"), default=list, blank=True)
    wanted_products = models.CharField(_("wanted products"), max_length=200, blank=True)
    pickup_municipalities = models.ManyToManyField(
        Municipality, related_name="+", blank=True, verbose_name=_("possible pickup places")
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("needs survey response")
        verbose_name_plural = _("needs survey responses")
        indexes = [models.Index(fields=["network", "mrc"])]

    def __str__(self) -> str:
        return f"{self.network_id}/{self.mrc_id}/{self.pk}"

    def clean(self) -> None:
        known = set(FoodCategory.values)
        if not isinstance(self.wanted_categories, list) or not set(self.wanted_categories) <= known:
            raise ValidationError({"wanted_categories": _("Choose among the food categories.")})
