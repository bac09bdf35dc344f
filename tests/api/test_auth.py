"""Authentication: the token endpoint, tokens stored hashed and ended by a change of password, the
account page where users manage their own tokens, session use from the browser, and throttling of
anonymous clients and of each user (the login lockout is tests/test_login_lockout.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.db import connection
from rest_framework.test import APIClient

from annotations.models import ApiToken
from annotations.services.tokens import TOKENS_PER_USER, token_issue

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_password_gives_a_token_that_authenticates(anon, users, project) -> None:
    response = anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    # A new token on the next call (the first is shown once); both work (two scripts may log in).
    again = anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"}, format="json")
    assert again.json()["token"] != key
    assert ApiToken.objects.filter(user=users["rhea"]).count() == 2
    assert _client(key).get("/api/v1/projects/test/").status_code == 200
    assert _client(again.json()["token"]).get("/api/v1/projects/test/").status_code == 200
    users["rhea"].refresh_from_db()
    assert users["rhea"].last_login is not None  # a password login, like the web one


def test_it_stores_only_a_hash_of_each_token(anon, users) -> None:
    key = anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"},
                    format="json").json()["token"]
    row = ApiToken.objects.get(user=users["rhea"])
    assert key.startswith(row.prefix) and len(row.prefix) < len(key) // 4
    # Nothing the database holds (read back raw, every column) contains the key.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = [str(value) for value in cursor.fetchone()]
    assert not any(key in value for value in stored)
    assert key[len(row.prefix):] not in " ".join(stored)


def test_it_ends_every_token_when_the_password_changes(client_for, users, project) -> None:
    alice = client_for("alice")
    second = _client(token_issue(user=users["alice"]).key)
    assert alice.get("/api/v1/projects/").status_code == 200
    users["alice"].set_password("a-new-password-for-alice")
    users["alice"].save()
    for client in (alice, second):
        refused = client.get("/api/v1/projects/")
        assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    # The new password gives a token that works; the dead ones are dropped when it is issued.
    fresh = _client(token_issue(user=users["alice"]).key)
    assert fresh.get("/api/v1/projects/").status_code == 200
    assert ApiToken.objects.filter(user=users["alice"]).count() == 1


def test_it_refuses_a_token_of_a_deactivated_user(client_for, users, project) -> None:
    alice = client_for("alice")
    users["alice"].is_active = False
    users["alice"].save()
    assert alice.get("/api/v1/projects/").status_code == 401


def test_it_keeps_the_newest_tokens_only(users) -> None:
    keys = [token_issue(user=users["alice"]).key for _ in range(TOKENS_PER_USER + 2)]
    assert ApiToken.objects.filter(user=users["alice"]).count() == TOKENS_PER_USER
    assert _client(keys[0]).get("/api/v1/projects/").status_code == 401
    assert _client(keys[-1]).get("/api/v1/projects/").status_code == 200


@pytest.mark.parametrize("header", [
    "Token 0000",
    "Token " + "g" * 48,  # not hexadecimal
    "Token abc\x00def",
    "Token " + "0" * 40,
])
def test_it_refuses_malformed_or_unknown_keys_with_401(header, client_for, users, project) -> None:
    client_for("alice")  # a real token exists, so an unknown key is compared against something
    bogus = APIClient()
    bogus.credentials(HTTP_AUTHORIZATION=header)
    response = bogus.get("/api/v1/projects/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_it_refuses_a_wrong_key_with_a_right_prefix(client_for, users, project) -> None:
    key = token_issue(user=users["alice"]).key
    forged = key[:8] + ("0" if key[8] != "0" else "1") + key[9:]
    assert _client(forged).get("/api/v1/projects/").status_code == 401


def test_the_token_read_loads_the_user_and_token_as_the_orm_does(users) -> None:
    """The hand-written lookup (one join, every API request) gives the same values and types as
    the ORM (aware datetimes and booleans on SQLite too), for each token sharing the prefix."""
    from annotations.api.authentication import TokenAuthentication, _with_prefix

    alice = users["alice"]
    alice.last_login = alice.date_joined
    alice.save()
    key = token_issue(user=alice).key
    token_issue(user=users["bob"])
    user, token = TokenAuthentication().authenticate_credentials(key)
    stored = ApiToken.objects.select_related("user").get(pk=token.pk)
    for got, want in ((user, stored.user), (token, stored)):
        names = [f.attname for f in type(want)._meta.concrete_fields]
        assert [(type(getattr(got, n)), getattr(got, n)) for n in names] == [
            (type(getattr(want, n)), getattr(want, n)) for n in names
        ]
    assert user.last_login.tzinfo is not None and user.is_active is True
    prefix = token.prefix
    ApiToken.objects.filter(user=users["bob"]).update(prefix=prefix)
    assert sorted(t.user.username for t in _with_prefix(prefix)) == ["alice", "bob"]


@pytest.mark.parametrize("body", [
    {"username": "rhea", "password": "wrong"},
    {"username": "nobody", "password": "pw-rhea"},
    {"username": "rhea"},
])
def test_bad_credentials_are_400_and_make_no_token(body, anon, users) -> None:
    response = anon.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"non_field_errors", "password"}
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(anon, users) -> None:
    users["rhea"].is_active = False
    users["rhea"].save()
    assert anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"},
                     format="json").status_code == 400


def test_revoked_or_unknown_token_is_401(client_for, users, project) -> None:
    client = client_for("alice")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not ApiToken.objects.filter(user=users["alice"]).exists()
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    bogus = APIClient()
    bogus.credentials(HTTP_AUTHORIZATION="Token 0000")
    assert bogus.get("/api/v1/projects/").status_code == 401


def test_session_works_with_csrf(users, project) -> None:
    """The browser's session authenticates; its writes need the CSRF token like any form."""
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(users["max"])
    assert browser.get("/api/v1/projects/test/").status_code == 200
    refused = browser.patch("/api/v1/projects/test/", {"overlap": 3}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


# --- the account page ---------------------------------------------------------------------------


def test_account_page_creates_shows_once_rotates_and_revokes(client, users, django_assert_max_num_queries) -> None:
    url = reverse("ui:account_token")
    client.force_login(users["alice"])
    with django_assert_max_num_queries(6):
        page = client.get(url)
    assert page.status_code == 200 and b"You have no API token" in page.content

    created = client.post(url, {"action": "rotate"})
    token = ApiToken.objects.get(user=users["alice"])
    key = created.context["new_key"]
    assert token.matches(key) and key.encode() in created.content
    assert created["Cache-Control"] == "no-store"
    # Shown once: a later visit names only its first characters.
    later = client.get(url)
    assert key.encode() not in later.content and token.prefix.encode() in later.content
    assert b"never used" in later.content

    client.post(url, {"action": "rotate"})
    assert not ApiToken.objects.filter(pk=token.pk).exists()  # the old key is dead
    assert _client(key).get("/api/v1/projects/").status_code == 401

    revoked = client.post(url, {"action": "revoke"}, follow=True)
    assert not ApiToken.objects.filter(user=users["alice"]).exists()
    assert b"revoked" in revoked.content


def test_account_page_needs_login_and_only_touches_own_token(client, users) -> None:
    url = reverse("ui:account_token")
    assert client.get(url).status_code == 302
    assert client.post(url, {"action": "rotate"}).status_code == 302
    assert not ApiToken.objects.exists()
    theirs = token_issue(user=users["bob"])
    client.force_login(users["charlie"])
    page = client.get(url)
    assert theirs.token.prefix.encode() not in page.content
    client.post(url, {"action": "revoke"})
    assert ApiToken.objects.filter(pk=theirs.token.pk).exists()


def test_top_bar_links_to_the_token_page(client, users) -> None:
    client.force_login(users["alice"])
    page = client.get(reverse("ui:home"))
    assert reverse("ui:account_token").encode() in page.content


# --- throttling ---------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"}
    }
    cache.clear()


def test_anonymous_clients_are_throttled(low_rates, anon, users) -> None:
    body = {"username": "alice", "password": "wrong"}
    codes = [anon.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert "Retry-After" in anon.post("/api/v1/auth/token/", body, format="json")


def test_each_user_is_throttled_separately(low_rates, client_for, project) -> None:
    alice, bob = client_for("alice"), client_for("bob")
    codes = [alice.get("/api/v1/projects/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert bob.get("/api/v1/projects/").status_code == 200


def test_rates_come_from_the_environment() -> None:
    """API_THROTTLE_ANON / API_THROTTLE_USER set the rates (defaults otherwise)."""
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings", "DEBUG": "1",
           "API_THROTTLE_ANON": "7/minute", "API_THROTTLE_USER": "70/hour"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert "'anon': '7/minute'" in out and "'user': '70/hour'" in out


# --- the upgrade from DRF's authtoken ------------------------------------------------------------


def test_the_upgrade_keeps_old_tokens_working_but_only_as_hashes(users, project) -> None:
    """Migration 0010 hashes the keys of DRF's authtoken table into ApiToken and drops the table."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.utils import timezone

    migration = import_module("annotations.migrations.0010_apitoken")
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # a 40-character key as authtoken made them
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint, "
                       "created timestamp with time zone)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, users["rhea"].pk, timezone.now()])
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', %s)",
                       [timezone.now()])
        migration.carry_over_authtoken(apps, SimpleNamespace(connection=connection, execute=cursor.execute))
        assert "authtoken_token" not in connection.introspection.table_names(cursor)
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone() == (0,)
    row = ApiToken.objects.get(user=users["rhea"])
    assert row.prefix == key[:8] and key not in row.digest
    assert _client(key).get("/api/v1/projects/test/").status_code == 200
