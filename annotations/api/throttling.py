"""Request rates for anonymous clients and per user, read from settings when each request comes.

DRF's own classes copy the rates once at import; reading them per request lets a deployment (or a
test) change REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] without a restart of the import machinery.
"""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRates:
    """Mixin: look the scope's rate up in the current API settings."""

    scope: str | None  # as DRF declares it

    def get_rate(self) -> str | None:
        if self.scope is None:
            return None
        # Rates are strings such as "20/min"; the stubs type them as numbers.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value]


class AnonRateThrottle(_LiveRates, throttling.AnonRateThrottle):
    """Anonymous clients, by IP address (the token endpoint is the one they can reach)."""


class UserRateThrottle(_LiveRates, throttling.UserRateThrottle):
    """Authenticated clients, by user, whatever token or session they use."""
