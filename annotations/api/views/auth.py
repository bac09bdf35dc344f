"""API tokens for scripts: exchange a username and password for a token, or revoke yours."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...services import tokens
from .. import serializers as s
from .common import AuthenticatedRequest
from .docs import INVALID, THROTTLED, UNAUTHENTICATED


class TokenView(APIView):
    """POST: your token for a username and password (anyone; throttled). DELETE: revoke yours."""

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        summary="Get your API token",
        description=(
            "Exchange a username and password for your token (created on first use, the same "
            "one afterwards). Send it as `Authorization: Token <token>`. Anonymous requests are "
            "throttled (API_THROTTLE_ANON)."
        ),
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, 400: INVALID, 429: THROTTLED},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with the username and password given."]}
            )
        token = tokens.token_get_or_create(user=user)
        return Response(s.TokenSerializer({"token": token.key, "created": token.created}).data)

    @extend_schema(
        summary="Revoke your API token",
        description="Deletes your token; scripts using it are refused from now on.",
        responses={204: OpenApiResponse(description="Revoked (or there was none)."),
                   401: UNAUTHENTICATED, 429: THROTTLED},
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        tokens.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
