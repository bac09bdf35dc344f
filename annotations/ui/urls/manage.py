"""Web UI routes: the manage area."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
