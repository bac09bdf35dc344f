"""The login lockout: one count per (account, client address) over the three doors that take a
password (the web login, the admin login, POST /api/v1/auth/token/), the client address taken
by the trusted-proxy rule, and the API throttles keyed on the same address."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from workbench.settings import client_address_rule

pytestmark = pytest.mark.django_db

DOORS = ("ui", "admin", "api")
# What each door answers to a wrong password before the lockout, and to the right one. rita and
# max are staff, so the admin lets them in too.
REFUSED = {"ui": 200, "admin": 200, "api": 400}
ACCEPTED = {"ui": 302, "admin": 302, "api": 200}

Attempt = Callable[..., object]


@pytest.fixture(autouse=True)
def _fresh(settings) -> None:
    """Generous API rates (the lockout, not the throttle, is under test) and a clean cache."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "10000/minute"}
    }
    cache.clear()


@pytest.fixture
def attempt(users) -> Attempt:
    """Log in at a door as `username` with `password`, from `address` and any X-Forwarded-For."""

    def run(door: str, username: str, password: str, *, address: str = "127.0.0.1",
            forwarded: str | None = None):  # type: ignore[no-untyped-def]
        extra = {"REMOTE_ADDR": address}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        body = {"username": username, "password": password}
        if door == "api":
            return APIClient().post("/api/v1/auth/token/", body, format="json", **extra)
        url = reverse("ui:login") if door == "ui" else reverse("admin:login")
        return Client().post(url, body, **extra)

    return run


@pytest.fixture
def limit(settings) -> int:
    return settings.AXES_FAILURE_LIMIT


@pytest.fixture
def one_trusted_proxy(settings) -> None:
    """Configured as TRUSTED_PROXY_COUNT=1 would configure it."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER, settings.AXES_IPWARE_PROXY_COUNT = client_address_rule(1)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def _locked(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 429 and "Too many failed logins" in response.content.decode()


@pytest.mark.parametrize("door", DOORS)
def test_it_locks_an_account_out_at_each_door(door, attempt, limit) -> None:
    codes = [attempt(door, "rita", "wrong").status_code for _ in range(limit - 1)]
    assert codes == [REFUSED[door]] * (limit - 1)
    assert _locked(attempt(door, "rita", "wrong"))
    # Locked: the right password is refused too, with the wait named and in Retry-After.
    locked = attempt(door, "rita", "pw-rita")
    assert _locked(locked)
    assert int(locked["Retry-After"]) > 0
    # The pair is locked, not the account nor the address.
    assert attempt(door, "rita", "pw-rita", address="10.0.0.2").status_code == ACCEPTED[door]
    assert attempt(door, "max", "pw-max").status_code == ACCEPTED[door]


def test_it_answers_the_api_in_json_and_the_pages_in_html(attempt, limit) -> None:
    for _ in range(limit):
        attempt("api", "rita", "wrong")
    api = attempt("api", "rita", "pw-rita")
    assert api["Content-Type"] == "application/json"
    assert api.json()["detail"].startswith("Too many failed logins for this account from your address.")
    page = attempt("ui", "rita", "pw-rita")
    assert page["Content-Type"].startswith("text/html")
    assert 'id="locked-out"' in page.content.decode() and "Try again in 15 minutes." in page.content.decode()


def test_it_counts_the_failures_of_all_doors_together(attempt, limit) -> None:
    for i in range(limit - 1):
        assert attempt(DOORS[i % 3], "rita", "wrong").status_code == REFUSED[DOORS[i % 3]]
    assert _locked(attempt("api", "rita", "wrong"))
    for door in DOORS:
        assert _locked(attempt(door, "rita", "pw-rita")), door


@pytest.mark.parametrize("door", DOORS)
def test_it_ignores_x_forwarded_for_when_no_proxy_is_trusted(door, attempt, limit) -> None:
    for i in range(limit):
        attempt(door, "rita", "wrong", forwarded=f"198.51.100.{i}")
    assert _locked(attempt(door, "rita", "pw-rita", forwarded="198.51.100.200"))
    assert _locked(attempt(door, "rita", "pw-rita", forwarded="198.51.100.200, 203.0.113.9"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@pytest.mark.parametrize("door", DOORS)
def test_it_takes_the_right_most_forwarded_address_behind_one_proxy(door, attempt, limit,
                                                                    one_trusted_proxy) -> None:
    # What the client writes (left) rotates, and so does the proxy's own address; the proxy
    # appends the address it was reached from (right).
    for i in range(limit):
        attempt(door, "rita", "wrong", address=f"10.0.0.{i + 1}", forwarded=f"198.51.100.{i}, 203.0.113.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert _locked(attempt(door, "rita", "pw-rita", forwarded="203.0.113.7"))
    assert _locked(attempt(door, "rita", "pw-rita", forwarded="1.2.3.4, 5.6.7.8, 203.0.113.7"))
    # Another client behind the same proxy is not locked out.
    assert attempt(door, "rita", "pw-rita", forwarded="203.0.113.7, 203.0.113.8").status_code == ACCEPTED[door]


def test_it_lets_the_account_in_again_after_the_cool_off(attempt, limit, settings) -> None:
    for _ in range(limit):
        attempt("ui", "rita", "wrong")
    assert _locked(attempt("ui", "rita", "pw-rita"))
    # Move the failures back past the cool-off instead of waiting for it.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert attempt("ui", "rita", "pw-rita").status_code == 302


def test_it_forgets_the_failures_after_a_successful_login(attempt, limit) -> None:
    for _ in range(limit - 1):
        attempt("api", "rita", "wrong")
    assert attempt("api", "rita", "pw-rita").status_code == 200
    for _ in range(limit - 1):
        assert attempt("ui", "rita", "wrong").status_code == 200
    assert attempt("ui", "rita", "pw-rita").status_code == 302


# --- the API throttles use the same address ----------------------------------------------------


@pytest.fixture
def low_anon_rate(settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"}}
    cache.clear()


def _anon(forwarded: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    """An anonymous request the throttle sees (the token endpoint; an empty body is a 400)."""
    return APIClient().post("/api/v1/auth/token/", {}, format="json", REMOTE_ADDR=address,
                            HTTP_X_FORWARDED_FOR=forwarded)


def test_the_anonymous_throttle_ignores_x_forwarded_for_when_no_proxy_is_trusted(low_anon_rate) -> None:
    codes = [_anon(f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]


def test_the_anonymous_throttle_counts_the_right_most_address_behind_one_proxy(low_anon_rate,
                                                                             one_trusted_proxy) -> None:
    codes = [_anon(f"198.51.100.{i}, 203.0.113.7", address=f"10.0.0.{i}").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]
    assert _anon("203.0.113.8").status_code == 400  # another client behind the proxy


# --- configuration ------------------------------------------------------------------------------


def test_it_reads_the_limits_and_the_proxies_from_the_environment() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.AXES_IPWARE_PROXY_COUNT, "
        "s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_LOCKOUT_PARAMETERS)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings", "DEBUG": "1",
           "LOGIN_FAILURE_LIMIT": "7", "LOGIN_COOLOFF_MINUTES": "30", "TRUSTED_PROXY_COUNT": "2"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                         env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert out == ("7 1800.0 1 ('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 2 [['username', 'ip_address']]")
    # The defaults: 5 failures, 15 minutes, REMOTE_ADDR only.
    env = {key: value for key, value in env.items()
           if key not in ("LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES", "TRUSTED_PROXY_COUNT")}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                         env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert out == "5 900.0 None ('REMOTE_ADDR',) 0 [['username', 'ip_address']]"
