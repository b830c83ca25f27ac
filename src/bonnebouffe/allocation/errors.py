"""Errors of the allocation workflow, carrying a translated message and details."""

from __future__ import annotations


class AllocationFailed(Exception):
    """A refused action: `message` is translated; `details` lists lines or fields at fault."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
