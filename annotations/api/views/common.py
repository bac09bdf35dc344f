"""What every API view shares: id routes, roles in the serializer context, versioned updates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db.models import Model
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from ...access import AuthUser, Capability, StaleVersion
from ...selectors import visibility
from ..exceptions import StaleConflict


_ETAG = re.compile(r'^\s*(?:W/)?"?v?(\d{1,10})"?\s*$')


def etag(version: int) -> str:
    """The ETag of an object at a version."""
    return f'"{version}"'


class LazyRoles(Mapping):
    """The user's roles per project, queried on first use (most serializers never need them)."""

    def __init__(self, user: Any) -> None:
        self._user = user
        self._roles: dict[int, frozenset[str]] | None = None

    def _load(self) -> dict[int, frozenset[str]]:
        if self._roles is None:
            self._roles = visibility.roles_by_project(self._user)
        return self._roles

    def __getitem__(self, project_id: int) -> frozenset[str]:
        return self._load()[project_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


class AuthenticatedRequest(Request):
    """The request of a view that requires authentication (IsAuthenticated, the default)."""

    user: AuthUser


class ApiViewSet(viewsets.GenericViewSet):
    """Routes take numeric ids only (anything else is a 404 before any query), PATCH not PUT."""

    request: AuthenticatedRequest  # no route lifts the default IsAuthenticated

    lookup_value_regex = r"[0-9]{1,18}"
    ordering: tuple[str, ...] = ("id",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # What a member needs for the list of one project (`?project=`): others get 403.
    list_capability = Capability.VIEW

    @property
    def scope(self) -> visibility.Scope:
        """The projects this request's list covers: `?project=` or all the user's (cached)."""
        if not hasattr(self, "_scope"):
            slug = self.request.query_params.get("project") or None
            self._scope = visibility.list_scope(
                self.request.user, slug[:80] if slug else None, self.list_capability
            )
        return self._scope

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())  # a Mapping to the stubs, a new dict anyway
        context["roles"] = self.roles
        context["is_admin"] = bool(self.request.user.is_active and self.request.user.is_superuser)
        return context

    @property
    def roles(self) -> LazyRoles:
        """The user's roles per project, fetched once per request when first needed."""
        if not hasattr(self, "_roles"):
            self._roles = LazyRoles(self.request.user)
        return self._roles

    def respond(self, serializer_class: type[serializers.Serializer], obj: Any,
                status_code: int = status.HTTP_200_OK, headers: dict | None = None,
                context: dict | None = None) -> Response:
        """Serialize one object with its ETag (for versioned objects); `context` adds to the
        serializer's context."""
        data = serializer_class(obj, context={**self.get_serializer_context(), **(context or {})}).data
        headers = dict(headers or {})
        if isinstance(obj, Model) and hasattr(obj, "version"):
            headers["ETag"] = etag(obj.version)
        return Response(data, status=status_code, headers=headers)

    def input(self, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> dict:
        """Validate the request body with an input serializer; 400 naming the fields otherwise."""
        serializer = serializer_class(data=self.request.data, partial=partial,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def requested_version(request: Request, data: dict) -> tuple[int, bool]:
    """The version an update was made against, and whether it came from If-Match."""
    version = data.pop("version", None)
    if version is not None:
        return version, False
    header = request.headers.get("If-Match")
    if header:
        match = _ETAG.match(header)
        if not match:
            raise serializers.ValidationError(
                {"If-Match": ['Send the ETag you read, e.g. If-Match: "3".']}
            )
        return int(match.group(1)), True
    raise serializers.ValidationError(
        {"version": ["Send the version you are changing (field `version`, or an If-Match header)."]}
    )


@contextmanager
def stale_as_conflict(
    represent: Callable[[Any], dict], *, from_header: bool = False
) -> Iterator[None]:
    """Turn a service's StaleVersion into 409 (412 when the version came from If-Match)."""
    try:
        yield
    except StaleVersion as exc:
        current = exc.current
        raise StaleConflict(
            current_version=getattr(current, "version", None),
            current=represent(current) if current is not None else None,
            message=str(exc),
            status_code=(
                status.HTTP_412_PRECONDITION_FAILED if from_header else status.HTTP_409_CONFLICT
            ),
        ) from exc
