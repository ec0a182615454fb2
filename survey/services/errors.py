"""Errors raised by services, carrying messages the web layer can show."""
from __future__ import annotations


class ServiceError(ValueError):
    """Input a service refuses. ``errors`` maps a field (or ``""``) to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(ServiceError):
    """A referenced unit, service, code or version does not exist."""
