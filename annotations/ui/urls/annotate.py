"""Web UI routes: the annotate area."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
