"""Collective projects and the partner directory (the workshop's Atelier 3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Network, Organisation
from bonnebouffe.territory.models import MRC


class ProjectStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PLANNING = "planning", _("Being planned")
    ACTIVE = "active", _("Under way")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")


class Project(models.Model):
    """A collective project of the network, carried by one organisation with partners."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="projects")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    carrier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_projects",
        verbose_name=_("carrier organisation"),
    )
    territories = models.ManyToManyField(
        MRC, related_name="projects", verbose_name=_("territories")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.IDEA
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("collective project")
        verbose_name_plural = _("collective projects")
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], name="project_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class ContributionType(models.TextChoices):
    """The workshop's six ways a partner can contribute to a project."""

    CONNECTOR = "connecteur", _("Connector (connects people and bodies)")
    COLLABORATOR = "collaborateur", _("Collaborator")
    FACILITATOR = "facilitateur", _("Facilitator (helps promoters carry out the project)")
    EVALUATOR = "evaluateur", _("Evaluator")
    RELAYER = "relayeur", _("Relayer (shares what happens)")
    LOCAL_PROMOTER = "promoteur_local", _("Local promoter")


class Contribution(models.Model):
    """What a partner offers to a project in one MRC, as one contribution type."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("partner"),
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("project")
    )
    mrc = models.ForeignKey(MRC, on_delete=models.PROTECT, related_name="+", verbose_name=_("MRC"))
    kind = models.CharField(_("contribution type"), max_length=20, choices=ContributionType.choices)
    offer = models.TextField(_("what it offers"), blank=True)
    created_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "project__name"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "project", "mrc", "kind"], name="contribution_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_kind_display()} · {self.project}"
