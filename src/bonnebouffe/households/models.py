"""Households served by agencies: the minimum of personal information, access-logged."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Organisation
from bonnebouffe.territory.models import Municipality


class Household(models.Model):
    """A household. Collect the minimum (Law 25): no income amount, no documents, no full name."""

    agency = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("serving organisation"),
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    display_name = models.CharField(
        _("name used"),
        max_length=80,
        blank=True,
        help_text=_("How the household wants to be called; a first name or a nickname is enough."),
    )
    size = models.PositiveSmallIntegerField(
        _("household size"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="fr-ca"
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="household",
        verbose_name=_("account"),
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.reference
