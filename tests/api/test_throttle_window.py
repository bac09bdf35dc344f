"""The API throttles: defaults a team does not hit, one counter per client and window."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache

from annotations.api import throttling


def test_the_default_user_rate_lets_a_sequential_script_through() -> None:
    """A script sending 100 requests a second for a minute (far above an annotator) is not refused."""
    code = ("from django.conf import settings; "
            "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['user'])")
    env = {k: v for k, v in os.environ.items() if k not in ("API_THROTTLE_USER", "API_THROTTLE_ANON")}
    env.update(DJANGO_SETTINGS_MODULE="workbench.settings", DEBUG="1")
    rate = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                          env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    count, per = throttling.UserRateThrottle().parse_rate(rate)
    assert count is not None and per is not None and count / per >= 100


@pytest.fixture
def clock(monkeypatch, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "3/minute"}}
    cache.clear()
    now = [600.0]  # the start of a window
    monkeypatch.setattr(throttling.UserRateThrottle, "timer", lambda self: now[0])
    return now


def test_a_window_counts_every_request_then_the_next_window_starts_afresh(clock, client_for, project) -> None:
    alice = client_for("alice")
    codes = [alice.get("/api/v1/projects/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    clock[0] += 45
    refused = alice.get("/api/v1/projects/")
    assert refused.status_code == 429 and refused["Retry-After"] == "15"
    clock[0] += 15  # the next minute
    assert alice.get("/api/v1/projects/").status_code == 200
