"""Web UI routes: the account area."""

from django.urls import path

from ..views import account, passwords

urlpatterns: list = [
    path("account/token/", account.token, name="account_token"),
    path("account/password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", passwords.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", passwords.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", passwords.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
