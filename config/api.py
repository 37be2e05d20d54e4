"""What every API endpoint shares: the error shape, pagination, id paths and permissions.

Errors. Every error response has one shape, whatever raised it:

    {"detail": "<one sentence>", "errors": {"<field>": ["<message>", ...]}}

`errors` is empty unless the input was invalid (400). Nested input is named with dots: in a list of
events, `"2.value"` is the value of the third event; problems with the body as a whole are under
`"non_field_errors"`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from catalog.permissions import EDITORS_GROUP

NON_FIELD = "non_field_errors"
MAX_ID = 10**18 - 1


class IdConverter:
    """Path ids of 1–18 digits: a number past the database's integer range matches no route
    (instead of failing inside the database driver)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documented in the schema)."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def flatten_errors(detail, prefix: str = "", into: dict | None = None) -> dict[str, list[str]]:
    """DRF's nested error detail as one level of `field: [messages]` (dotted names for nesting)."""
    into = {} if into is None else into
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in (NON_FIELD, "__all__") and not prefix else str(key)
            flatten_errors(value, f"{prefix}.{name}" if prefix else name, into)
    elif isinstance(detail, list | tuple):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list | tuple):
                flatten_errors(item, f"{prefix}.{index}" if prefix else str(index), into)
            else:
                into.setdefault(prefix or NON_FIELD, []).append(str(item))
    else:
        into.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return into


def exception_handler(exc, context):
    """DRF's handler, then every error reshaped to {"detail", "errors"}. A service's Django
    ValidationError is bad input too (400), never a server error."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": flatten_errors(exc.detail)}
    elif isinstance(exc, Http404 | PermissionDenied):
        response.data = {"detail": str(response.data.get("detail", "")), "errors": {}}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"detail": str(detail), "errors": {}}
    return response


def is_editor(user) -> bool:
    """Staff, or a member of the Editors group (catalog.permissions)."""
    if not (user and user.is_authenticated):
        return False
    return user.is_staff or user.groups.filter(name=EDITORS_GROUP).exists()


class IsEditorOrReadOnly(permissions.BasePermission):
    """Anyone reads; only editors write."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_editor(request.user)
