"""Web UI routes: comment threads and notifications."""

from django.urls import path

from ..views import collab

urlpatterns: list = [
    path("claims/<int:claim_id>/comments/", collab.claim_comments, name="claim_comments"),
    path("questions/<int:question_id>/comments/", collab.question_comments, name="question_comments"),
    path("comments/<int:comment_id>/delete/", collab.comment_delete, name="comment_delete"),
    path("notifications/", collab.notifications, name="notifications"),
    path("notifications/bell/", collab.notifications_bell, name="notifications_bell"),
    path("notifications/read/", collab.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/open/", collab.notification_open, name="notification_open"),
]
