"""API routes (filled in by the API work)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
