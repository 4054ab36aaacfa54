"""API tokens over HTTP: log in for a token, rotate it, revoke it (log out), revoke them all."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..permissions import IsAnyRole
from ..throttling import IPThrottle, LoginThrottle
from ..tokens import IssuedToken, token_issue, token_revoke, token_rotate

BAD_CREDENTIALS = "Wrong username or password."


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once; stored hashed.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working (RFC 3339).")
    username = serializers.CharField()
    role = serializers.CharField()


def _issued(issued: IssuedToken, user) -> Response:
    body = TokenOutput({"token": issued.token, "expiry": issued.expiry, "username": user.username, "role": user.role})
    return Response(body.data, status=status.HTTP_201_CREATED)


class TokenLoginApi(APIView):
    """`POST {username, password}`: a new token lasting `API_TOKEN_TTL_HOURS` (a shift).

    Throttled per address (`THROTTLE_RATES["login"]`); repeated wrong passwords lock the
    username and address out (django-axes, `AXES_FAILURE_LIMIT`), answered with 429."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle, IPThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})

    def get_authenticate_header(self, request) -> str:
        return "Token"  # a wrong password is a 401 (the token this endpoint issues is the scheme)

    @extend_schema(
        request=InputSerializer,
        responses={201: TokenOutput, 401: OpenApiResponse(description=BAD_CREDENTIALS)},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, so django-axes sees the attempt (and marks a locked-out one).
        user = authenticate(request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            raise exceptions.Throttled(detail="Too many failed logins: this account is locked for a while.")
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
        return _issued(token_issue(user=user), user)


class TokenRotateApi(APIView):
    """`POST`: a new token for the signed-in user; the token that authenticated this request
    stops working (with a session, no token is revoked)."""

    permission_classes = [IsAnyRole]

    @extend_schema(request=None, responses={201: TokenOutput})
    def post(self, request):
        current = request.auth if isinstance(request.auth, AuthToken) else None
        return _issued(
            token_rotate(user=request.user, current=current) if current else token_issue(user=request.user),
            request.user,
        )


class TokenRevokeApi(APIView):
    """`POST`: log out: the token that authenticated this request stops working."""

    permission_classes = [IsAnyRole]

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Revoked.")})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            token_revoke(user=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllApi(APIView):
    """`POST`: every token of the signed-in user stops working (a lost phone)."""

    permission_classes = [IsAnyRole]

    @extend_schema(
        request=None,
        responses={200: inline_serializer("TokensRevoked", {"revoked": serializers.IntegerField()})},
    )
    def post(self, request):
        return Response({"revoked": token_revoke(user=request.user)})
