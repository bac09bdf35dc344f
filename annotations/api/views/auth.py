"""API tokens for scripts: exchange a username and password for a token, or revoke yours."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...services import tokens
from .. import serializers as s
from .common import AuthenticatedRequest
from .docs import INVALID, LOCKED_OUT, THROTTLED, UNAUTHENTICATED


class TokenView(APIView):
    """POST: a new token for a username and password (anyone; throttled). DELETE: revoke yours."""

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        summary="Get an API token",
        description=(
            "Exchange a username and password for a new token, shown in this response only (the "
            "server keeps just a hash of it). Send it as `Authorization: Token <token>`. Your "
            f"earlier tokens keep working (the {tokens.TOKENS_PER_USER} newest are kept) until "
            "you revoke them or change your password, which ends them all. Failed logins count "
            "towards the lockout shared with the web and admin logins (LOGIN_FAILURE_LIMIT "
            "failures of one account from one address: 429 for LOGIN_COOLOFF_MINUTES, even with "
            "the right password); anonymous requests are also throttled (API_THROTTLE_ANON)."
        ),
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, 400: INVALID, 429: LOCKED_OUT},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Through Django's authenticate with the request, so django-axes counts a failure (and
        # its middleware answers 429 once the account is locked out from this address).
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with the username and password given."]}
            )
        issued = tokens.token_issue(user=user)
        # A password login like the web one: last_login is kept, and django-axes clears this
        # address's failures for the account.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(s.TokenSerializer({"token": issued.key, "created": issued.token.created}).data)

    @extend_schema(
        summary="Revoke your API tokens",
        description="Deletes all your tokens; scripts using any of them are refused from now on.",
        responses={204: OpenApiResponse(description="Revoked (or there was none)."),
                   401: UNAUTHENTICATED, 429: THROTTLED},
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        tokens.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
