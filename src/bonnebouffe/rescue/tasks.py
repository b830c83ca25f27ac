"""Job runners of food rescue: emails about offers, and the cascade's clock."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bonnebouffe.jobs.registry import ProgressFn, register

from .models import Offer
from .selectors import notification_users
from .services import notification_text, offer_url, offers_advance


@register("rescue.notify")
def notify_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Email the members of the organisations concerned, each in their preferred language."""
    offer = (
        Offer.objects.select_related("donor", "pickup_site", "dropoff_hub")
        .filter(pk=params["offer_id"])
        .first()
    )
    if offer is None:
        return {"sent": 0}
    site_url = getattr(settings, "BONNEBOUFFE_SITE_URL", "").rstrip("/")
    messages = []
    for user in notification_users(list(params["organisation_ids"])):
        language = user.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            text = notification_text(
                event=params["event"], offer=offer, language=language, params=params["params"]
            )
            subject = _("Bonne Bouffe — offer #%(id)s") % {"id": offer.pk}
            body = render_to_string(
                "rescue/email/offer_event.txt",
                {
                    "text": text,
                    "offer": offer,
                    "window_start": date_format(
                        timezone.localtime(offer.window_start), "DATETIME_FORMAT"
                    ),
                    "window_end": date_format(
                        timezone.localtime(offer.window_end), "DATETIME_FORMAT"
                    ),
                    "link": site_url + offer_url(offer.pk),
                },
            )
        messages.append(EmailMessage(subject=subject, body=body, to=[user.email]))
    sent = get_connection().send_messages(messages) if messages else 0
    return {"sent": int(sent or 0)}


@register("rescue.cascade_advance")
def cascade_advance_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Move offers whose stage ended down the cascade; close those whose window ended."""
    result = offers_advance()
    return {"advanced": result.advanced, "closed": result.closed}
