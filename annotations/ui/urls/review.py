"""Web UI routes: the review area."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
