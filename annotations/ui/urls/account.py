"""Web UI routes: the account area."""

from django.urls import path

from ..views import account

urlpatterns: list = [
    path("account/token/", account.token, name="account_token"),
]
