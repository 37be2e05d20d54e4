"""The signed-in user's own account: token, profile, privacy, history removal, export, erasure.

Every endpoint acts on request.user only: there is no user id in any path or body."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api import serializers as s
from accounts.export import export_data
from catalog.models import Title
from config.api import ErrorSerializer

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer}


class TokenView(APIView):
    """Exchange a username and password for the API token (the same token every time)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "api-token"

    @extend_schema(request=AuthTokenSerializer, responses={200: s.TokenSerializer, 400: ErrorSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class MeView(GenericAPIView):
    serializer_class = s.ProfileSerializer

    @extend_schema(responses={200: s.ProfileSerializer, 401: ErrorSerializer})
    def get(self, request: Request) -> Response:
        return Response(s.ProfileSerializer(request.user).data)

    @extend_schema(request=s.ProfileSerializer, responses={200: s.ProfileSerializer, **ERRORS})
    def patch(self, request: Request) -> Response:
        serializer = s.ProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    @extend_schema(request=None, responses={204: None, 401: ErrorSerializer})
    def delete(self, request: Request) -> Response:
        """Erase the account and everything held about it, at once."""
        services.erase_account(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PrivacyView(APIView):
    @extend_schema(responses={200: s.PrivacyResultSerializer, 401: ErrorSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        return Response({"personalization": user.personalization, "history_paused": user.history_paused})

    @extend_schema(request=s.PrivacySerializer, responses={200: s.PrivacyResultSerializer, **ERRORS})
    def patch(self, request: Request) -> Response:
        serializer = s.PrivacySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = services.update_privacy(request.user, **serializer.validated_data)
        user = request.user
        return Response(
            {"personalization": user.personalization, "history_paused": user.history_paused, "changed": changed}
        )


class HistoryView(APIView):
    @extend_schema(request=None, responses={200: s.RemovedSerializer, 401: ErrorSerializer})
    def delete(self, request: Request) -> Response:
        """Delete the whole history (events, impressions, clicks, tags, searches)."""
        return Response({"removed": services.delete_history(request.user)})


class HistoryTitleView(APIView):
    @extend_schema(
        operation_id="v1_me_history_title_destroy",
        request=None,
        responses={200: s.RemovedSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def delete(self, request: Request, title_id: int) -> Response:
        """Forget everything you did with one title."""
        title = get_object_or_404(Title, pk=title_id)
        return Response({"removed": services.remove_title_from_history(request.user, title)})


class ExportView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, 401: ErrorSerializer})
    def get(self, request: Request) -> Response:
        """Everything Marquee holds about you, as one JSON document (see the privacy page)."""
        response = Response(export_data(request.user))
        response["Cache-Control"] = "no-store"
        return response
