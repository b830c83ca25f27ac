"""Fleet (vehicles, drivers, shifts), delivery requests, and the route plans made from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Network, Organisation, Site

ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]


def _all_weekdays() -> list[int]:
    return list(ALL_WEEKDAYS)


class Vehicle(models.Model):
    """A truck or van of a hub. Capacities in kg (cold compartments are part of the payload)."""

    hub = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("home hub")
    )
    name = models.CharField(_("name"), max_length=100)
    capacity_kg = models.PositiveIntegerField(_("payload (kg)"))
    volume_l = models.PositiveIntegerField(
        _("volume (L)"), null=True, blank=True, help_text=_("Leave empty when not limited.")
    )
    refrigerated_kg = models.PositiveIntegerField(_("refrigerated capacity (kg)"), default=0)
    frozen_kg = models.PositiveIntegerField(_("frozen capacity (kg)"), default=0)
    cost_per_km = models.DecimalField(_("cost per km ($)"), max_digits=6, decimal_places=2)
    cost_per_hour = models.DecimalField(_("cost per hour ($)"), max_digits=7, decimal_places=2)
    max_length_m = models.DecimalField(
        _("length (m)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    licence_class = models.CharField(
        _("licence class needed"),
        max_length=10,
        default="5",
        help_text=_("SAAQ class: 5 (car, van), 3 (straight truck), 1 (tractor-trailer)."),
    )
    weekdays = models.JSONField(
        _("available weekdays"), default=_all_weekdays, help_text=_("0 = Monday ... 6 = Sunday")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["hub__name", "name"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="vehicle_unique_name"),
            models.CheckConstraint(
                condition=models.Q(refrigerated_kg__lte=models.F("capacity_kg"))
                & models.Q(frozen_kg__lte=models.F("capacity_kg")),
                name="vehicle_cold_within_payload",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DriverKind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    VOLUNTEER = "volunteer", _("Volunteer")


class Driver(models.Model):
    """A driver. ``display_name`` is a role-like label (e.g. "Driver 1"), never a real name
    in demo data."""

    hub = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="drivers", verbose_name=_("hub")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="driver_profiles",
        verbose_name=_("user account"),
    )
    display_name = models.CharField(_("display name"), max_length=100)
    kind = models.CharField(_("status"), max_length=10, choices=DriverKind.choices)
    licence_class = models.CharField(_("licence class"), max_length=10, default="5")
    weekdays = models.JSONField(
        _("available weekdays"), default=_all_weekdays, help_text=_("0 = Monday ... 6 = Sunday")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["hub__name", "display_name"]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")

    def __str__(self) -> str:
        return self.display_name


class Shift(models.Model):
    """A vehicle on the road on a date, with its driver and working hours."""

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("vehicle")
    )
    driver = models.ForeignKey(
        Driver,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("driver"),
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["date", "start"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "date"], name="shift_one_per_vehicle_day"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.date}"


class DeliveryRequest(models.Model):
    """Food to bring from a hub to an agency site on a date (filled by the allocation work)."""

    hub = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("hub")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("delivery site")
    )
    date = models.DateField(_("date"))
    ambient_kg = models.DecimalField(_("ambient (kg)"), max_digits=8, decimal_places=1, default=0)
    refrigerated_kg = models.DecimalField(
        _("refrigerated (kg)"), max_digits=8, decimal_places=1, default=0
    )
    frozen_kg = models.DecimalField(_("frozen (kg)"), max_digits=8, decimal_places=1, default=0)
    window_start = models.TimeField(_("from"), null=True, blank=True)
    window_end = models.TimeField(_("until"), null=True, blank=True)
    lot_ids = models.JSONField(
        _("lots"), default=list, blank=True, help_text=_('[{"lot_id": 1, "quantity_g": 5000}]')
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("delivery request")
        verbose_name_plural = _("delivery requests")

    def __str__(self) -> str:
        return f"{self.site} {self.date}"


class RoutePlan(models.Model):
    """The stored result of one planning run (one date, one hub or the whole network)."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="route_plans",
        verbose_name=_("hub"),
    )
    date = models.DateField(_("date"))
    provider = models.CharField(_("travel-time provider"), max_length=40)
    factors = models.JSONField(_("provider factors"), default=dict, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), default=0)
    duration_s = models.PositiveIntegerField(_("duration (s)"), default=0)
    collected_g = models.PositiveBigIntegerField(_("collected (g)"), default=0)
    delivered_g = models.PositiveBigIntegerField(_("delivered (g)"), default=0)
    cost = models.DecimalField(_("cost ($)"), max_digits=10, decimal_places=2, default=0)
    left_out = models.JSONField(_("left-out stops"), default=list, blank=True)
    plan_json = models.JSONField(_("plan"), default=dict, blank=True)
    problem_json = models.JSONField(_("problem"), default=dict, blank=True)
    difference = models.JSONField(_("difference from the previous plan"), default=dict, blank=True)
    # Re-planned plans only: {"problem": the day's problem without vehicle starts, "plan":
    # the whole day's plan with the committed prefixes}, the base of the next re-planning.
    full_json = models.JSONField(_("whole day"), default=dict, blank=True)
    job_id = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        indexes = [models.Index(fields=["date", "hub"])]

    def __str__(self) -> str:
        return f"{self.date} {self.hub or self.network}"


class Route(models.Model):
    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="routes")
    number = models.PositiveSmallIntegerField(_("route number"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="routes")
    driver = models.ForeignKey(
        Driver, on_delete=models.SET_NULL, null=True, blank=True, related_name="routes"
    )
    start_s = models.PositiveIntegerField(default=0)
    end_s = models.PositiveIntegerField(default=0)
    distance_m = models.PositiveIntegerField(default=0)
    duration_s = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")

    def __str__(self) -> str:
        return f"{self.plan} #{self.number}"


class StopKind(models.TextChoices):
    PICKUP = "pickup", _("Pickup")
    DELIVERY = "delivery", _("Delivery")
    DEPOT = "depot", _("Hub")


class StopStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    PROBLEM = "problem", _("Problem")


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    sequence = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=StopKind.choices)
    ref_id = models.CharField(max_length=60, blank=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    planned_arrival = models.DateTimeField(_("planned arrival"))
    window_start = models.TimeField(_("from"), null=True, blank=True)
    window_end = models.TimeField(_("until"), null=True, blank=True)
    items = models.JSONField(_("items"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=StopStatus.choices, default=StopStatus.PLANNED
    )
    actual_weights = models.JSONField(_("actual weights (g)"), default=dict, blank=True)
    problem_reason = models.CharField(_("problem"), max_length=300, blank=True)

    class Meta:
        ordering = ["route", "sequence"]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        constraints = [
            models.UniqueConstraint(fields=["route", "sequence"], name="routestop_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.route} {self.sequence}"


class StopAction(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up")
    DELIVERED = "delivered", _("Delivered")
    PROBLEM = "problem", _("Problem")


class StopUpdate(models.Model):
    """One update sent by a driver's phone; the client key makes a retry harmless."""

    stop = models.ForeignKey(RouteStop, on_delete=models.CASCADE, related_name="updates")
    idempotency_key = models.UUIDField(unique=True)
    action = models.CharField(max_length=12, choices=StopAction.choices)
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("stop update")
        verbose_name_plural = _("stop updates")

    def __str__(self) -> str:
        return f"{self.stop_id} {self.action}"
