"""Request rates for anonymous clients and per user, read from settings when each request comes.

DRF's own classes copy the rates once at import; reading them per request lets a deployment (or a
test) change REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] without a restart of the import machinery.
The client address is the login lockout's (django-axes through django-ipware, TRUSTED_PROXY_COUNT),
so a forged X-Forwarded-For escapes neither.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings


class _LiveRates:
    """Mixin: look the scope's rate up in the current API settings."""

    scope: str | None  # as DRF declares it

    def get_rate(self) -> str | None:
        if self.scope is None:
            return None
        # Rates are strings such as "20/min"; the stubs type them as numbers.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value]


class _ClientAddress(throttling.BaseThrottle):
    """Mixin: the client address by the trusted-proxy rule the login lockout uses."""

    def get_ident(self, request: Request) -> str:
        return get_client_ip_address(request) or super().get_ident(request)


class AnonRateThrottle(_LiveRates, _ClientAddress, throttling.AnonRateThrottle):
    """Anonymous clients, by IP address (the token endpoint is the one they can reach)."""


class UserRateThrottle(_LiveRates, _ClientAddress, throttling.UserRateThrottle):
    """Authenticated clients, by user, whatever token or session they use."""
