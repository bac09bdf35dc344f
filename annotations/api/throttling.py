"""Request rates for anonymous clients and per user, read from settings when each request comes.

DRF's own classes copy the rates once at import; reading them per request lets a deployment (or a
test) change REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] without a restart of the import machinery.
The client address is the login lockout's (django-axes through django-ipware, TRUSTED_PROXY_COUNT),
so a forged X-Forwarded-For escapes neither. Each client has one counter per time window, not
DRF's list of every request's time (pickled into the cache on every request, so its cost grew
with the rate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from axes.helpers import get_client_ip_address
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.views import APIView


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


class _Counted(throttling.SimpleRateThrottle):
    """Mixin: a fixed window per client (N requests per second, minute, hour or day), O(1) a request."""

    _window_end = 0.0

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        limit, duration = self.parse_rate(self.rate)
        assert limit is not None and duration is not None  # a rate is set
        self.now = self.timer()
        window = int(self.now // duration)
        self._window_end = (window + 1) * duration
        key = f"{self.key}:{window}"
        if self.cache.add(key, 1, duration + 1):
            return True
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(key, 1, duration + 1)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        return max(1.0, self._window_end - self.now)


class AnonRateThrottle(_LiveRates, _ClientAddress, _Counted, throttling.AnonRateThrottle):
    """Anonymous clients, by IP address (the token endpoint is the one they can reach)."""


class UserRateThrottle(_LiveRates, _ClientAddress, _Counted, throttling.UserRateThrottle):
    """Authenticated clients, by user, whatever token or session they use."""
