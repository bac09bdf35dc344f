"""Admin for collaboration: comments (read, and deleted through the service) and notifications."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ..access import Capability
from ..models import Comment, Notification
from ..services.collab import comment_delete
from .base import ScopedAdmin, ScopedHistoryAdmin, refusals, staff_user
from .filters import ProjectFilter


@admin.register(Comment)
class CommentAdmin(ScopedHistoryAdmin):
    # Reviewers see every comment of their projects (the blind rule spares them), as in the app.
    view_capability = Capability.REVIEW
    delete_capability = Capability.REVIEW
    list_display = ("__str__", "project", "created_at")
    list_select_related = ("project", "author")
    list_filter = (ProjectFilter,)
    search_fields = ("body", "author__username")
    fields = ("project", "claim", "question", "author", "body", "mentions", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # comments are posted in the app, where mentions are checked

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        with refusals():
            comment_delete(comment=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(request, queryset, lambda c: comment_delete(comment=c, by=staff_user(request)))


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    # What was sent to whom: for managers looking into "I was never told".
    view_capability = Capability.MANAGE
    list_display = ("kind", "user", "project", "created_at", "read_at")
    list_select_related = ("project", "user")
    list_filter = (ProjectFilter, "kind")
    search_fields = ("user__username",)
    fields = ("user", "project", "kind", "actor", "claim", "question", "comment", "job", "release", "created_at", "read_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the services that see the events create them
