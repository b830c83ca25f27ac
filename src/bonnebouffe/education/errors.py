"""Education error codes; the web layer turns them into translated sentences."""

from __future__ import annotations

import enum

from django.utils.translation import gettext_lazy as _


class EducationErrorCode(enum.StrEnum):
    WORKSHOP_UNKNOWN = "workshop_unknown"
    WORKSHOP_STARTED = "workshop_started"
    WORKSHOP_FULL = "workshop_full"
    NOT_ENOUGH_SEATS = "not_enough_seats"
    ALREADY_REGISTERED = "already_registered"
    INVALID_SEATS = "invalid_seats"
    NOT_REGISTERED = "not_registered"
    NO_MRC = "no_mrc"


MESSAGES = {
    EducationErrorCode.WORKSHOP_UNKNOWN: _("This workshop is not open for registration."),
    EducationErrorCode.WORKSHOP_STARTED: _("This workshop has already started."),
    EducationErrorCode.WORKSHOP_FULL: _("This workshop is full."),
    EducationErrorCode.NOT_ENOUGH_SEATS: _(
        "Not enough seats are left at this workshop (seats left: %(left)s)."
    ),
    EducationErrorCode.ALREADY_REGISTERED: _("You are already registered for this workshop."),
    EducationErrorCode.INVALID_SEATS: _("Choose between 1 and %(max)s seats."),
    EducationErrorCode.NOT_REGISTERED: _("You are not registered for this workshop."),
    EducationErrorCode.NO_MRC: _("Choose an MRC of the network."),
}


class EducationError(Exception):
    def __init__(self, code: EducationErrorCode, **params: object) -> None:
        super().__init__(f"{code}: {params}" if params else str(code))
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        text = str(MESSAGES[self.code])
        return text % self.params if self.params else text
